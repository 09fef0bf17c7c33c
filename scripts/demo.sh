#!/usr/bin/env bash
# Builds and installs everything, then runs the demo.
source "$(dirname "$0")/env.sh"
# Release: the demo times wildsort against sorted().
CAPREG_TEST_PYTHONS="${TEST_PYTHONS%% *}" bash scripts/setup.sh --release
"$(venv_for "${TEST_PYTHONS%% *}")/bin/python" examples/demo.py
