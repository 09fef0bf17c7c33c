"""The type stubs match the runtime (mypy.stubtest) on every Python where mypy installed
(scripts/setup.sh installs requirements-typing.txt into each venv, and says where it could not)."""

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("mypy")

ALLOWLIST = Path(__file__).with_name("stubtest-allowlist.txt")
# Before 3.11 (older mypy, typing.Any not a class) a few more names; not every one trips on
# every such Python, so unused entries are not an error there.
OLD_PYTHON = ["--allowlist", str(Path(__file__).with_name("stubtest-allowlist-before-3.11.txt")), "--ignore-unused-allowlist"]


PACKAGES = ["capreg", "wildsort"]


def test_stubtest():
    # One run over every package, so that the allowlist has no entry unused.
    proc = subprocess.run(
        [
            sys.executable, "-m", "mypy.stubtest", *PACKAGES, "--allowlist", str(ALLOWLIST),
            *(OLD_PYTHON if sys.version_info < (3, 11) else []),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("package", PACKAGES)
def test_package_is_typed(package):
    module = __import__(package)
    assert (Path(module.__file__).parent / "py.typed").exists()
