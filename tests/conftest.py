"""Shared helpers. The suite runs against the installed wheels (scripts/setup.sh), never the
source tree: every extension is imported as users deploy it."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest


def run_python(code: str, *args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Runs `code` in a fresh interpreter (nothing imported yet) and returns the finished process."""
    import os

    full_env = dict(os.environ)
    full_env.pop("CAPREG_LOG", None)
    if env:
        full_env.update(env)
    return subprocess.run(
        [sys.executable, *args, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
    )


# For code run by `fresh`: counts the walks over the installed distributions in `walks` (each
# listing of the entry points is one).
COUNT_WALKS = """
from importlib import metadata
walks = 0
real_distributions = metadata.distributions
def counted(*args, **kwargs):
    global walks
    walks += 1
    return real_distributions(*args, **kwargs)
metadata.distributions = counted
"""


@pytest.fixture
def fresh():
    """Run code in a fresh interpreter; asserts it exited 0 and returns its stdout."""

    def run(code: str, **kwargs) -> str:
        proc = run_python(code, **kwargs)
        assert proc.returncode == 0, f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
        return proc.stdout

    return run
