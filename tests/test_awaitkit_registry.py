"""awaitkit through the registry: discovered by its entry point from a fresh interpreter,
described with every function of 1.0.0, and the C consumer's import checks out."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("awaitkit")

FUNCTIONS = {
    "new_awaitable", "add_await", "add_expr", "defer", "async_with", "set_result", "cancel",
    "save_values", "unpack_values", "get_value", "set_value", "save_arbitrary",
    "unpack_arbitrary", "get_arbitrary", "set_arbitrary", "type_object",
}


def test_discovered_and_described(fresh):
    out = fresh(
        """
        import json, sys, capreg
        api = capreg.request("awaitkit", "^1.0")
        assert "awaitkit" in sys.modules and "awaitkit._awaitkit" in sys.modules
        print(json.dumps([str(api.version), api.provider, sorted(f.name for f in api.functions)]))
        """
    )
    version, provider, functions = json.loads(out)
    assert version == "1.0.0" and provider == "awaitkit._awaitkit"
    assert set(functions) == FUNCTIONS


def test_c_consumer_imports_it_first(fresh):
    out = fresh(
        """
        import asyncio, sys
        import capreg_test_awconsumer as m   # discovers and imports awaitkit itself
        async def one():
            return 21
        print(asyncio.run(m.fetch_and_double(one())), "awaitkit" in sys.modules)
        """
    )
    assert out.split() == ["42", "True"]


def test_cli_check(fresh):
    out = fresh(
        """
        import subprocess, sys
        p = subprocess.run([sys.executable, "-m", "capreg", "check", "capreg_test_awconsumer"],
                           capture_output=True, text=True)
        print(p.returncode)
        print(p.stdout + p.stderr)
        """
    )
    assert out.splitlines()[0] == "0", out
    assert "awaitkit" in out


def test_stubs_match_the_runtime():
    pytest.importorskip("mypy")
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "awaitkit"], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
