"""The registry through its Python API: requests, versions, signatures, errors, discovery."""

import ctypes
import pickle
from textwrap import indent

import pytest

import capreg
from conftest import COUNT_WALKS

RSPROVIDER = "capreg_test_rsprovider"


def test_request_returns_highest_matching_version():
    assert capreg.request("mathkit", "^1.2").version == "1.4.0"
    assert capreg.request("mathkit", ">=1.2, <3").version == "2.0.0"
    assert capreg.request("mathkit", "~1.4").version == "1.4.0"
    assert capreg.request("mathkit", "*").version == "2.0.0"
    assert capreg.request("mathkit", "^2").version == "2.0.0"


def test_api_describes_itself():
    api = capreg.request("mathkit", "^1", requester="tests.describe")
    assert api.name == "mathkit"
    assert api.provider == RSPROVIDER
    assert api.requester == "tests.describe"
    assert api.distribution == "capreg-test-rsprovider"
    assert api.file.endswith(".so") and RSPROVIDER in api.file
    functions = {f.name: f for f in api.functions}
    assert functions["add_i64"].signature == "fn(i64, i64) -> i64"
    assert functions["checksum"].since == "1.2.0"
    assert functions["apply_i64"].signature == "fn(*mut i64, usize, fn(i64) -> i64) -> usize"
    assert functions["apply_i64"].since == "1.3.0"  # declared as "1.3": padded
    assert functions["old_mul"].deprecated and not functions["add_i64"].deprecated
    assert api.to_dict()["functions"][0] == {"name": "add_i64", "signature": "fn(i64, i64) -> i64", "since": "1.0.0", "deprecated": False}


def test_requester_defaults_to_calling_module():
    api = capreg.request("mathkit", "^1")
    assert api.requester == __name__


def test_describe_lists_every_version_ascending():
    assert [a.version for a in capreg.describe("mathkit")] == ["1.4.0", "2.0.0"]


def test_apis_lists_every_installed_provider():
    names = {(a.name, a.version) for a in capreg.apis()}
    assert {("mathkit", "1.4.0"), ("mathkit", "2.0.0"), ("cstrings", "1.1.0")} <= names


def test_address_is_callable_through_ctypes():
    api = capreg.request("mathkit", "^1.2")
    add = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_int64, ctypes.c_int64)(api.address("add_i64", "fn(i64, i64) -> i64"))
    assert add(40, 2) == 42
    assert add(2**62, 2**62) == -(2**63)  # the provider wraps
    # A C spelling of the same type resolves to the same function.
    assert api.address("add_i64", "long long (long long a, long long b)") == api.address("add_i64", "fn(i64, i64) -> i64")


def test_two_majors_are_different_functions():
    v1 = capreg.request("mathkit", "^1")
    v2 = capreg.request("mathkit", "^2")
    hex1 = ctypes.CFUNCTYPE(ctypes.c_uint32)(v1.address("version_hex", "uint32_t (void)"))
    hex2 = ctypes.CFUNCTYPE(ctypes.c_uint32)(v2.address("version_hex", "uint32_t (void)"))
    assert (hex1(), hex2()) == (0x01040000, 0x02000000)


def test_version_mismatch_names_everything():
    with pytest.raises(capreg.VersionMismatchError) as info:
        capreg.request("mathkit", "^3", requester="my_consumer")
    e = info.value
    assert isinstance(e, ImportError) and e.code == 2
    assert (e.api, e.requirement, e.requester, e.provider, e.found_version) == ("mathkit", "^3", "my_consumer", RSPROVIDER, "2.0.0")
    message = str(e)
    for needle in ["'my_consumer'", "'mathkit'", '"^3"', "1.4.0", "2.0.0", RSPROVIDER, e.file, 'pip install -U "capreg-test-rsprovider>=3,<4"']:
        assert needle in message, needle
    assert e.name == RSPROVIDER and e.path == e.file  # ImportError's own attributes


def test_consumer_asking_a_newer_minor_is_told_to_upgrade_the_provider():
    # mathkit 1.4.0 and 2.0.0 are published; "^1.5" asks for a newer 1.x, not an older API.
    with pytest.raises(capreg.VersionMismatchError) as info:
        capreg.request("mathkit", "^1.5", requester="new_consumer")
    message = str(info.value)
    assert "built for an older" not in message, message
    assert "Fix: 'new_consumer' asks for a newer 'mathkit' than 1.4.0: pip install -U \"capreg-test-rsprovider>=1.5,<2\"" in message


def test_consumer_older_than_provider_is_told_to_upgrade_itself():
    with pytest.raises(capreg.VersionMismatchError) as info:
        capreg.request("mathkit", "^0.9", requester="old_consumer")
    assert "'old_consumer' was built for an older 'mathkit'" in str(info.value)
    assert "pip install -U --force-reinstall old_consumer" in str(info.value)


def test_unknown_api():
    with pytest.raises(capreg.ApiNotFoundError) as info:
        capreg.request("no_such_api", "^1", requester="my_consumer")
    e = info.value
    assert (e.code, e.api, e.requester, e.requirement) == (1, "no_such_api", "my_consumer", "^1")
    assert "no installed distribution declares 'no_such_api' in the entry-point group 'capreg.apis'" in str(e)
    assert "pip install" in str(e)
    with pytest.raises(capreg.ApiNotFoundError):
        capreg.describe("no_such_api")


@pytest.mark.parametrize("requirement", ["^^1", "", "1.x.y", ">= banana"])
def test_malformed_requirement(requirement):
    with pytest.raises(capreg.BadArgumentError) as info:
        capreg.request("mathkit", requirement, requester="my_consumer")
    assert isinstance(info.value, ValueError) and info.value.code == 6
    assert "'my_consumer'" in str(info.value) and "requirement" in str(info.value)


@pytest.mark.parametrize("name", ["", " mathkit", "math\nkit"])
def test_malformed_api_name(name):
    with pytest.raises(capreg.BadArgumentError, match="the API name requested by 'my_consumer'"):
        capreg.request(name, "^1", requester="my_consumer")


def test_signature_mismatch_prints_both_sides():
    api = capreg.request("mathkit", "^1", requester="my_consumer")
    with pytest.raises(capreg.SignatureMismatchError) as info:
        api.address("clamp_to_int", "int (int)")
    e = info.value
    assert e.code == 4 and e.functions == ["clamp_to_int"]
    assert e.mismatched == [("clamp_to_int", "fn(i32) -> i32", "fn(isize) -> i32")]
    message = str(e)
    for needle in ["'my_consumer' expects: fn(i32) -> i32", "fn(isize) -> i32", "mathkit 1.4.0", RSPROVIDER, "pip install"]:
        assert needle in message, needle


def test_py_ssize_t_spelling_matches():
    api = capreg.request("mathkit", "^1")
    assert api.address("clamp_to_int", "int (Py_ssize_t)") == api.address("clamp_to_int", "fn(isize) -> i32")


def test_missing_function_says_when_it_was_added():
    api = capreg.request("mathkit", "^2", requester="my_consumer")
    with pytest.raises(capreg.MissingFunctionError) as info:
        api.address("clamp_to_int", "fn(isize) -> i32")
    # mathkit 1.x has it since 1.0.0; 2.0.0 dropped it: upgrading the provider would not help.
    message = str(info.value)
    assert (
        "missing 'clamp_to_int': not in mathkit 2.0.0; it was removed after mathkit 1.4.0, "
        "the last published version that has it (added in 1.0.0)"
    ) in message
    assert "Fix: 'my_consumer' uses 'clamp_to_int', which mathkit 2.0.0 removed: make it require \"^1\"" in message
    assert "pip install" not in message
    with pytest.raises(capreg.MissingFunctionError) as info:
        api.address("frobnicate", "fn()")
    assert "no published version of 'mathkit' has it" in str(info.value)
    assert info.value.missing == ["frobnicate"]


def test_malformed_signature_is_a_bad_argument():
    api = capreg.request("mathkit", "^1", requester="my_consumer")
    with pytest.raises(capreg.BadArgumentError) as info:
        api.address("add_i64", "int64_t (((")
    assert 'malformed signature "int64_t ((("' in str(info.value) and "'my_consumer'" in str(info.value)


def test_deprecated_function_warns_naming_the_consumer():
    api = capreg.request("mathkit", "^1", requester="legacy_consumer")
    with pytest.warns(DeprecationWarning, match="'legacy_consumer' uses 'old_mul' of API 'mathkit' 1.4.0"):
        address = api.address("old_mul", "fn(i64, i64) -> i64")
    mul = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_int64, ctypes.c_int64)(address)
    assert mul(6, 7) == 42


def test_errors_survive_pickling():
    with pytest.raises(capreg.VersionMismatchError) as info:
        capreg.request("mathkit", "^3", requester="pickled")
    clone = pickle.loads(pickle.dumps(info.value))
    assert type(clone) is capreg.VersionMismatchError
    assert (clone.requester, clone.found_version, str(clone)) == ("pickled", "2.0.0", str(info.value))


def test_nested_provider_module_is_discovered_without_its_parent(fresh):
    out = fresh(
        """
        import sys, capreg
        assert not any(m.startswith("capreg_test_cprovider") for m in sys.modules)
        api = capreg.request("cstrings", "^1", requester="t")
        print(api.provider, api.version, "capreg_test_cprovider.deep.nested._native" in sys.modules)
        """
    )
    assert out.split() == ["capreg_test_cprovider.deep.nested._native", "1.1.0", "True"]


def test_discovery_runs_only_when_needed(fresh):
    # Importing capreg must not import importlib.metadata (import time). A provider's publish
    # lists the entry points (who owns the names it publishes); a request for a published API
    # then walks no distribution.
    out = fresh(
        f"""
        import sys, capreg
        assert "importlib.metadata" not in sys.modules
        import capreg_test_rsprovider
        {indent(COUNT_WALKS, 8 * " ")}
        capreg.request("mathkit", "^1", requester="t")
        capreg.request("mathkit", "^2", requester="t")
        print("walks", walks)
        """
    )
    assert out.strip() == "walks 0"
