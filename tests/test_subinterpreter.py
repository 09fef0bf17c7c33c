"""capreg refuses legacy subinterpreters with a clear error instead of silently sharing state."""

import pytest

from conftest import run_python

_testcapi = pytest.importorskip("_testcapi")
if not hasattr(_testcapi, "run_in_subinterp"):
    pytest.skip("this Python's _testcapi cannot run a legacy subinterpreter", allow_module_level=True)


@pytest.mark.parametrize("module", ["capreg", "capreg_test_rsconsumer", "capreg_test_rsprovider"])
def test_rust_extensions_refuse_a_subinterpreter(module):
    proc = run_python(
        f"""
        import _testcapi, capreg, {module}
        code = "import {module}"
        print("rc", _testcapi.run_in_subinterp(code))
        capreg.request("mathkit", "^1", requester="main")  # the main interpreter is unharmed
        print("main ok")
        """
    )
    assert proc.returncode == 0, proc.stderr
    assert "rc -1" in proc.stdout and "main ok" in proc.stdout
    assert "ImportError" in proc.stderr and "subinterpreter" in proc.stderr.lower(), proc.stderr
