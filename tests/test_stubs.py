"""The type stubs match the runtime (mypy.stubtest), where mypy is installed (the build venv)."""

import subprocess
import sys

import pytest

pytest.importorskip("mypy")


def test_stubtest():
    proc = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "capreg"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_package_is_typed():
    import capreg

    from pathlib import Path

    assert (Path(capreg.__file__).parent / "py.typed").exists()
