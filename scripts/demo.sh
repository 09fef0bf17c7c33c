#!/usr/bin/env bash
# Builds and installs everything, then runs the demo.
source "$(dirname "$0")/env.sh"
TEST_PYTHONS="${TEST_PYTHONS%% *}" bash scripts/setup.sh
"$(venv_for "${TEST_PYTHONS%% *}")/bin/python" examples/demo.py
