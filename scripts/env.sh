# Shared settings for the scripts; sourced, not run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
PYENV_ROOT="${PYENV_ROOT:-$HOME/.pyenv}"
# The Pythons the suite runs on; the first builds everything (abi3: one build serves all).
TEST_PYTHONS="${CAPREG_TEST_PYTHONS:-3.11 3.9 3.10 3.12 3.13}"
DIST="$ROOT/dist"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# The interpreter for a minor version: pyenv's, else one on PATH.
python_for() {
    local minor="$1" found
    found=$(ls -d "$PYENV_ROOT"/versions/"$minor".*/bin/python"$minor" 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -z "$found" ]; then found=$(command -v "python$minor" || true); fi
    if [ -z "$found" ]; then
        echo "error: Python $minor not found (looked in $PYENV_ROOT/versions and PATH); install it with: pyenv install $minor" >&2
        return 1
    fi
    echo "$found"
}

venv_for() { echo "$ROOT/.venv-$1"; }
