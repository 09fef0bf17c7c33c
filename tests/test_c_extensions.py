"""The C side of capreg: a C provider at a nested module path, a C consumer, raw-table probes.

Needs these wheels installed next to capreg:
  tests/extensions/c_provider  (capreg_test_cprovider: publishes cstrings 1.1.0, + _tools)
  tests/extensions/c_consumer  (capreg_test_cconsumer: binds cstrings ^1.0 and mathkit ^1.2)
  tests/extensions/rs_provider (capreg_test_rsprovider: publishes mathkit)
and optionally examples/c_extension (capreg_example_c).

Messages are checked for their content with `in`, never as whole strings.
"""

import ctypes
import importlib
import os
import subprocess
import sys
import textwrap
import threading
import warnings

import pytest

import capreg

PROVIDER = "capreg_test_cprovider.deep.nested._native"
TOOLS = "capreg_test_cprovider._tools"
CONSUMER = "capreg_test_cconsumer"

FNV_OFFSET = 0xCBF29CE484222325

# The cstrings functions as published, in publication order, with their canonical forms.
CSTRINGS_CANONICAL = {
    "fnv1a64": "fn(*const void, usize) -> u64",
    "clamp_len": "fn(isize) -> i32",
    "shout": "fn(*mut PyObject) -> *mut PyObject",
}

# A full cstrings import table in C spellings other than the provider's.
CSTRINGS_ITEMS = [
    ("fnv1a64", "unsigned long long (const void *, size_t)", False),
    ("count_byte", "size_t (const char *, size_t, char)", False),
    ("clamp_len", "int (Py_ssize_t)", False),
    ("shout", "PyObject *(PyObject *)", False),
    ("not_there", "void (void)", True),
]

# Keywords a refusal message must contain (case-insensitive): a str must appear; for a tuple,
# one of its members must. None: the call had no error struct, only the code is checked.
BAD_INPUT_HINTS = {
    "request_null_api": ["null"],
    "request_null_requirement": ["null", "requirement"],
    "request_null_requester": ["null", "requester"],
    "request_null_out": ["null"],
    "request_null_err": None,
    "request_empty_api": ["empty", "API name requested by 'capreg_test_cconsumer'"],
    "request_non_utf8_api": [("utf-8", "utf8")],
    "request_malformed_requirement": ["^^1"],
    "request_empty_requirement": ["requirement"],
    "resolve_null_api": ["null"],
    "resolve_null_items": ["null", "item"],
    "resolve_null_out": ["null"],
    "resolve_null_item_name": ["null", "name"],
    "resolve_malformed_signature": ["int ((("],
    "resolve_null_signature": ["null", "signature"],
    "describe_null_api": ["null"],
    "describe_null_out": ["null"],
    "describe_function_null_api": ["null"],
    "describe_function_null_out": ["null"],
    "describe_function_out_of_range": [("1000", "range", "index")],
}

BAD_PUBLISH_HINTS = {
    "null_decl": ["null"],
    "null_err": None,
    "wrong_size": ["size"],
    "null_name": ["null", "name"],
    "empty_name": ["empty"],
    "non_utf8_name": [("utf-8", "utf8")],
    "null_version": ["null", "version"],
    "bad_version": ["1.x"],
    "null_provider": ["null", "provider"],
    "null_functions": ["null", "function"],
    "null_function_name": ["null", "name"],
    "null_signature": ["null", "signature", "second_fn"],
    "malformed_signature": ["int (((", "second_fn"],
    "null_address": ["null", "second_fn"],
    "bad_since": ["soon", "second_fn"],
    "duplicate_function": ["first_fn", ("duplicate", "twice", "more than once", "repeated")],
}


def fnv1a64_reference(data):
    h = FNV_OFFSET
    for byte in data:
        h ^= byte
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def assert_mentions(message, *parts):
    """Every part (a str, or a tuple of alternatives) occurs in message (case-insensitive)."""
    lowered = message.lower()
    for part in parts:
        options = part if isinstance(part, tuple) else (part,)
        assert any(o.lower() in lowered for o in options), (
            f"message lacks {part!r}:\n{message}"
        )


def describe_or_empty(name):
    try:
        return capreg.describe(name)
    except capreg.ResolutionError:
        return []


def run_python(code, *, warnings_as_errors=True, timeout=180):
    args = [sys.executable]
    if warnings_as_errors:
        args += ["-W", "error"]
    args += ["-c", textwrap.dedent(code)]
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def cc():
    return importlib.import_module(CONSUMER)


@pytest.fixture(scope="module")
def tools():
    return importlib.import_module(TOOLS)


@pytest.fixture(scope="module")
def cstrings_info(cc):
    code, message, info = cc.raw_request("cstrings", "^1", "c_tests")
    assert (code, message) == (0, "")
    return info


# ---- The consumer binds and calls ----------------------------------------------------------


def test_consumer_calls_cstrings(cc):
    assert cc.fnv1a64(b"") == FNV_OFFSET
    assert cc.fnv1a64(b"a") == 0xAF63DC4C8601EC8C
    for data in (b"foobar", bytes(range(256)), b"\x00" * 7):
        assert cc.fnv1a64(data) == fnv1a64_reference(data)

    assert cc.count_byte(b"banana", ord("a")) == 3
    assert cc.count_byte(b"", 0) == 0
    assert cc.count_byte(b"\xff\x00\xff\xfe", 0xFF) == 2
    assert cc.count_byte(b"a\x00b\x00", 0) == 2

    assert cc.clamp_len(5) == 5
    assert cc.clamp_len(-7) == -7
    assert cc.clamp_len(2**40) == 2**31 - 1
    assert cc.clamp_len(-(2**40)) == -(2**31)

    assert cc.shout("abc Def") == "ABC DEF"
    assert cc.shout(b"xyz") == b"XYZ"
    with pytest.raises(AttributeError):
        cc.shout(42)

    assert cc.has_optional() is False


def test_consumer_calls_mathkit(cc):
    api = capreg.request("mathkit", "^1.2", requester="c_tests")
    add = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_int64, ctypes.c_int64)(
        api.address("add_i64", "fn(i64, i64) -> i64")
    )
    checksum = ctypes.CFUNCTYPE(ctypes.c_uint64, ctypes.c_char_p, ctypes.c_size_t)(
        api.address("checksum", "fn(*const u8, usize) -> u64")
    )
    assert cc.add_i64(40, 2) == 42 == add(40, 2)
    assert cc.add_i64(-5, 3) == -2
    for data in (b"", b"hello", bytes(range(200))):
        assert cc.checksum(data) == checksum(data, len(data))


def test_consumer_addresses_match_the_registry(cc):
    api = capreg.request("cstrings", "^1.0", requester="c_tests")
    assert api.version == "1.1.0"
    assert api.provider == PROVIDER
    addresses = cc.import_table("cstrings", "^1.0", CSTRINGS_ITEMS)
    assert addresses[4] is None
    for (name, _sig, _opt), address in zip(CSTRINGS_ITEMS[:4], addresses):
        assert isinstance(address, int) and address != 0
        if name in CSTRINGS_CANONICAL:
            assert address == api.address(name, CSTRINGS_CANONICAL[name])


def test_equal_spellings_resolve_to_one_address(cc):
    spellings = [
        "uint64_t (const void *, size_t)",
        "unsigned long long (const void *, size_t)",
        "unsigned long long int(const void*,size_t)",
        "fn(*const void, usize) -> u64",
    ]
    if sys.platform != "win32" and sys.maxsize > 2**32:  # LP64: unsigned long is 64 bits
        spellings.append("unsigned long (const void *, size_t)")
    items = [("fnv1a64", s, False) for s in spellings]
    items += [
        ("clamp_len", "int (Py_ssize_t)", False),
        ("clamp_len", "int (ssize_t)", False),
        ("clamp_len", "fn(isize) -> i32", False),
        ("count_byte", "size_t (const char *s, size_t n, char c)", False),
        ("count_byte", "size_t (const char *, size_t, char)", False),
    ]
    addresses = cc.import_table("cstrings", "^1", items)
    fnv = set(addresses[: len(spellings)])
    assert len(fnv) == 1 and None not in fnv
    assert len(set(addresses[len(spellings) : len(spellings) + 3])) == 1
    assert len(set(addresses[-2:])) == 1


def test_optional_absent_is_none(cc):
    addresses = cc.import_table(
        "cstrings",
        "^1",
        [("not_there", "void (void)", True), ("fnv1a64", "uint64_t (const void *, size_t)", False)],
    )
    assert addresses[0] is None
    assert isinstance(addresses[1], int)
    assert cc.has_optional() is False


def test_raw_request_describes_cstrings(cc, cstrings_info):
    info = cstrings_info
    assert info["name"] == "cstrings"
    assert info["version"] == "1.1.0"
    assert info["provider"] == PROVIDER
    module = sys.modules[PROVIDER]
    assert info["file"] and os.path.samefile(info["file"], module.__file__)
    names = [f[0] for f in info["functions"]]
    assert names == ["fnv1a64", "count_byte", "clamp_len", "shout"]
    by_name = {f[0]: f for f in info["functions"]}
    for name, canonical in CSTRINGS_CANONICAL.items():
        assert by_name[name][1] == canonical
    assert by_name["count_byte"][1].startswith("fn(*const ")  # char: i8 or u8 by platform
    assert [f[2] for f in info["functions"]] == ["1.0.0", "1.0.0", "1.1.0", "1.1.0"]
    assert all(f[3] == 0 for f in info["functions"])

    # The Python view agrees with the raw one.
    (api,) = capreg.describe("cstrings")
    assert [(f.name, f.signature, f.since, f.deprecated) for f in api.functions] == [
        (f[0], f[1], f[2], False) for f in info["functions"]
    ]


# ---- Discovery ----------------------------------------------------------------------------------


def test_nested_provider_discovered_in_fresh_process():
    result = run_python(
        f"""
        import sys
        assert "capreg_test_cprovider" not in sys.modules
        import capreg
        leaked = [m for m in sys.modules if m.startswith("capreg_test_cprovider")]
        assert not leaked, leaked
        api = capreg.request("cstrings", "^1.0", requester="fresh_process")
        assert api.version == "1.1.0", api.version
        assert api.provider == {PROVIDER!r}, api.provider
        assert {PROVIDER!r} in sys.modules
        assert api.file, api.file
        print("OK", api.file)
        """
    )
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout


def test_consumer_import_discovers_both_providers_in_fresh_process():
    result = run_python(
        f"""
        import sys
        assert "capreg_test_cprovider" not in sys.modules
        import capreg_test_cconsumer as cc
        assert {PROVIDER!r} in sys.modules
        assert cc.fnv1a64(b"") == {FNV_OFFSET}
        assert cc.add_i64(1, 2) == 3
        print("OK")
        """
    )
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout


# ---- Resolution errors -----------------------------------------------------------------------


def test_unknown_api(cc):
    code, message, info = cc.raw_request("no_such_api_c", "^1", "probe_requester")
    assert code == 1
    assert info is None
    assert_mentions(message, "no_such_api_c", "probe_requester", "^1", "pip install")

    with pytest.raises(capreg.ApiNotFoundError) as caught:
        cc.import_table("no_such_api_c", "^1", [("f", "void (void)", False)], requester="rq_c")
    exc = caught.value
    assert isinstance(exc, ImportError) and isinstance(exc, capreg.ResolutionError)
    assert exc.code == 1
    assert exc.api == "no_such_api_c"
    assert exc.requester == "rq_c"
    assert_mentions(str(exc), "no_such_api_c", "rq_c", "pip install")


def test_version_mismatch(cc, cstrings_info):
    code, message, info = cc.raw_request("cstrings", "^9", "probe_requester")
    assert code == 2
    assert info is None
    assert_mentions(
        message, "cstrings", "^9", "probe_requester", "1.1.0", PROVIDER, "pip install",
        os.path.basename(cstrings_info["file"]),
    )

    with pytest.raises(capreg.VersionMismatchError) as caught:
        cc.import_table("cstrings", "^9", [("fnv1a64", "void (void)", False)], requester="rq_c")
    exc = caught.value
    assert exc.code == 2
    assert (exc.api, exc.requirement, exc.requester) == ("cstrings", "^9", "rq_c")
    assert exc.provider == PROVIDER
    assert exc.found_version == "1.1.0"
    assert exc.file and os.path.samefile(exc.file, cstrings_info["file"])


def test_missing_function(cc, cstrings_info):
    code, message, addresses, untouched = cc.raw_resolve(
        "cstrings",
        "^1",
        "probe_requester",
        [("fnv1a64", "uint64_t (const void *, size_t)", False), ("no_such_fn", "void (void)", False)],
    )
    assert code == 3
    assert untouched is True
    assert len(addresses) == 2
    assert_mentions(
        message, "no_such_fn", "cstrings", "probe_requester", PROVIDER, "1.1.0", "pip install",
        os.path.basename(cstrings_info["file"]),
    )


def test_a_function_a_new_major_removed(cc):
    # mathkit 1.x has clamp_to_int; 2.0.0 dropped it. Installing mathkit >=1.0.0 changes nothing.
    with pytest.raises(capreg.MissingFunctionError) as caught:
        cc.import_table("mathkit", "^2", [("clamp_to_int", "int (Py_ssize_t)", False)], requester="rq_removed")
    message = str(caught.value)
    assert_mentions(
        message,
        "missing 'clamp_to_int': not in mathkit 2.0.0; it was removed after mathkit 1.4.0, "
        "the last published version that has it (added in 1.0.0)",
        "Fix: 'rq_removed' asks for mathkit \"^2\" but uses 'clamp_to_int', which mathkit 2.0.0 removed: "
        "make it require \"^1\" (mathkit 1.4.0 has it) or port it to the mathkit 2 API",
    )
    assert "pip install" not in message, message
    # What the fix says works: the same table against "^1" resolves.
    (address,) = cc.import_table("mathkit", "^1", [("clamp_to_int", "int (Py_ssize_t)", False)], requester="rq_removed")
    assert isinstance(address, int)


def test_signature_mismatch(cc, cstrings_info):
    code, message, _addresses, untouched = cc.raw_resolve(
        "cstrings", "^1", "probe_requester", [("clamp_len", "int (int)", False)]
    )
    assert code == 4
    assert untouched is True
    assert_mentions(
        message, "clamp_len", "fn(isize) -> i32", "fn(i32) -> i32", "cstrings",
        "probe_requester", PROVIDER, "1.1.0", "pip install",
        os.path.basename(cstrings_info["file"]),
    )

    with pytest.raises(capreg.SignatureMismatchError) as caught:
        cc.import_table("cstrings", "^1", [("clamp_len", "int (int)", False)], requester="rq_c")
    assert caught.value.code == 4
    assert list(caught.value.functions) == ["clamp_len"]


def test_every_problem_reported_at_once(cc):
    items = [
        ("fnv1a64", "uint64_t (const void *, size_t)", False),  # fine
        ("missing_one", "void (void)", False),
        ("missing_two", "int (int)", False),
        ("clamp_len", "int (int)", False),  # mismatch
        ("shout", "void (void)", False),  # mismatch
        ("maybe_later", "void (void)", True),  # optional, absent: not a problem
    ]
    with pytest.raises(capreg.MissingFunctionError) as caught:
        cc.import_table("cstrings", "^1", items, requester="rq_all")
    exc = caught.value
    assert exc.code == 3
    assert {"missing_one", "missing_two", "clamp_len", "shout"} <= set(exc.functions)
    assert "maybe_later" not in exc.functions
    assert "fnv1a64" not in exc.functions
    assert_mentions(
        str(exc), "missing_one", "missing_two", "clamp_len", "shout", "fn(isize) -> i32",
        "fn(i32) -> i32", "fn(*mut PyObject) -> *mut PyObject", "rq_all", PROVIDER,
        "pip install",
    )

    code, message, addresses, untouched = cc.raw_resolve("cstrings", "^1", "rq_all", items)
    assert code == 3
    assert untouched is True
    assert len(addresses) == len(items)
    assert_mentions(message, "missing_one", "missing_two", "clamp_len", "shout")


# ---- Bad input never crashes ------------------------------------------------------------------


@pytest.fixture(scope="module")
def bad_inputs(cc):
    results = cc.bad_inputs()
    assert [r[0] for r in results] == list(BAD_INPUT_HINTS)
    return {case: (code, message) for case, code, message in results}


@pytest.mark.parametrize("case", list(BAD_INPUT_HINTS))
def test_bad_input_refused(bad_inputs, case, cc):
    code, message = bad_inputs[case]
    assert code == 6, (code, message)
    hints = BAD_INPUT_HINTS[case]
    if hints is not None:
        assert message
        assert_mentions(message, *hints)
    assert cc.fnv1a64(b"") == FNV_OFFSET  # and the process is fine


@pytest.fixture(scope="module")
def bad_publishes(tools):
    results = tools.bad_publishes()
    assert [r[0] for r in results] == list(BAD_PUBLISH_HINTS)
    return {case: (code, message) for case, code, message in results}


@pytest.mark.parametrize("case", list(BAD_PUBLISH_HINTS))
def test_bad_publish_refused(bad_publishes, case):
    code, message = bad_publishes[case]
    if case == "wrong_size":
        assert code in (6, 7), (code, message)
    else:
        assert code == 6, (code, message)
    hints = BAD_PUBLISH_HINTS[case]
    if hints is not None:
        assert message
        assert_mentions(message, *hints)


def test_bad_publishes_published_nothing(bad_publishes):
    assert describe_or_empty("capreg_test_bad_publish") == []


# ---- Publication rules ------------------------------------------------------------------------


def test_an_owned_name_is_refused_to_another_module_naming_both(cc, tools):
    # cstrings belongs, through capreg-test-cprovider's entry point, to PROVIDER: _tools (of the
    # same distribution) may not publish it, under its own name or under PROVIDER's.
    functions = [("fnv1a64", "uint64_t (const void *, size_t)", "1.0.0", False)]
    tools_file = os.path.realpath(tools.__file__)
    provider_file = os.path.realpath(importlib.import_module(PROVIDER).__file__)

    code, message = tools.publish("cstrings", "1.5.0", TOOLS, functions)
    assert code == 5
    assert_mentions(
        message,
        f"API 'cstrings' 1.5.0 cannot be published as '{TOOLS}'",
        f"its functions are in {tools_file} (the module '{TOOLS}')",
        "the name 'cstrings' belongs to the distribution 'capreg-test-cprovider'",
        f"its entry point 'cstrings = {PROVIDER}' (group 'capreg.apis')",
        f"provider '{PROVIDER}' (file {provider_file})",
        # One distribution ships both: uninstalling it is no fix.
        "Fix: 'capreg-test-cprovider' ships both",
    )
    assert "pip uninstall" not in message, message

    # Posing as the owner: the owner's name, but not the owner's file.
    with pytest.raises(capreg.ConflictError) as caught:
        tools.publish_py("cstrings", "1.6.0", PROVIDER, functions)
    assert_mentions(
        str(caught.value),
        f"its functions are in {tools_file}",
        f"but '{PROVIDER}' is the file {provider_file}",
        f"make '{TOOLS}' declare itself as the provider of 'cstrings'",
    )
    assert (caught.value.api, caught.value.provider, caught.value.found_version, caught.value.file) == (
        "cstrings",
        PROVIDER,
        "1.6.0",
        tools_file,
    )

    assert [(a.version, a.provider) for a in capreg.describe("cstrings")] == [("1.1.0", PROVIDER)]


def test_a_conflict_names_the_distributions_that_installed_the_files(tmp_path):
    # Two real modules publish one unowned name: _tools, and a copy of it loaded from a folder
    # no distribution installed, under a module name of its own. The first keeps the major; the
    # error names both, and the distribution of each file (RECORD), or plainly none.
    out = run_python(
        f"""
        import importlib.util, os, shutil, sys
        import capreg
        import {TOOLS} as tools
        functions = [("fnv1a64", "uint64_t (const void *, size_t)", "1.0.0", False)]
        assert tools.publish("ctest_first_come", "1.0.0", {TOOLS!r}, functions) == (0, "")
        copy = os.path.join({str(tmp_path)!r}, os.path.basename(tools.__file__))
        shutil.copy(tools.__file__, copy)
        spec = importlib.util.spec_from_file_location("_tools", copy)
        stray = importlib.util.module_from_spec(spec)
        sys.modules["_tools"] = stray
        spec.loader.exec_module(stray)
        print(stray.publish("ctest_first_come", "1.1.0", "_tools", functions)[1])
        print("----")
        # The copy posing as the module it was copied from: refused, and the fix deletes it.
        print(stray.publish("ctest_stale_copy", "1.0.0", {TOOLS!r}, functions)[1])
        print("----")
        print(os.path.realpath(copy))
        print(os.path.realpath(tools.__file__))
        """
    )
    assert out.returncode == 0, out.stderr
    conflict, stale, files = out.stdout.split("----\n")
    copy, tools_file = files.split()
    assert_mentions(
        conflict,
        "'_tools' cannot publish API 'ctest_first_come' 1.1.0",
        f"ctest_first_come 1.0.0 from '{TOOLS}' (file {tools_file})",
        "one provider module owns each name and major version",
    )
    assert (
        f"Fix: uninstall one of the two (remove whatever installed '_tools' (no installed distribution "
        f"lists its file {copy} in its RECORD) or pip uninstall capreg-test-cprovider)"
    ) in conflict, conflict
    assert "pip uninstall capreg_test_cprovider" not in conflict, conflict
    assert_mentions(
        stale,
        f"API 'ctest_stale_copy' 1.0.0 cannot be published as '{TOOLS}'",
        f"its functions are in {copy} (the module '_tools')",
        f"but '{TOOLS}' is the file {tools_file}",
        f"delete {copy} (no installed distribution lists it in its RECORD)",
    )
    assert "pip uninstall" not in stale, stale


def test_reimporting_the_provider_republishes_idempotently(cc):
    module = importlib.import_module(PROVIDER)
    runs = module.init_runs()
    try:
        del sys.modules[PROVIDER]
        again = importlib.import_module(PROVIDER)
        assert again is not module
        assert again.init_runs() == runs + 1  # PyInit ran and published again
    finally:  # put the original module object back where the import system keeps it
        sys.modules[PROVIDER] = module
        setattr(sys.modules[PROVIDER.rpartition(".")[0]], "_native", module)
    apis = capreg.describe("cstrings")
    assert [(a.version, a.provider) for a in apis] == [("1.1.0", PROVIDER)]
    assert cc.fnv1a64(b"") == FNV_OFFSET


def test_identical_declaration_twice_is_a_no_op(tools):
    functions = [
        ("one", "int (int)", "1.0.0", False),
        ("two", "fn(*const u8, usize) -> u64", "1.0.0", False),
    ]
    assert tools.publish("ctest_idempotent", "1.0.0", TOOLS, functions) == (0, "")
    assert tools.publish("ctest_idempotent", "1.0.0", TOOLS, functions) == (0, "")
    tools.publish_py("ctest_idempotent", "1.0.0", TOOLS, functions)
    (api,) = capreg.describe("ctest_idempotent")
    assert api.version == "1.0.0"
    assert [f.name for f in api.functions] == ["one", "two"]


def test_several_majors_side_by_side(cc, tools):
    fns = [("f", "void (void)", "1.0.0", False)]
    assert tools.publish("ctest_majors", "1.3.0", TOOLS, fns) == (0, "")
    assert tools.publish("ctest_majors", "2.1.0", TOOLS, [("f", "void (void)", "2.0.0", False)]) == (
        0,
        "",
    )
    assert [a.version for a in capreg.describe("ctest_majors")] == ["1.3.0", "2.1.0"]
    assert cc.raw_request("ctest_majors", "^1", "rq")[2]["version"] == "1.3.0"
    assert cc.raw_request("ctest_majors", ">=1", "rq")[2]["version"] == "2.1.0"


def test_deprecated_function_warns_naming_the_consumer(cc, tools):
    functions = [
        ("f", "void (void)", "1.0.0", True),
        ("g", "int (int)", "1.0.0", False),
    ]
    assert tools.publish("oldstuff", "1.0.0", TOOLS, functions) == (0, "")
    (api,) = capreg.describe("oldstuff")
    assert [(f.name, f.deprecated) for f in api.functions] == [("f", True), ("g", False)]

    with pytest.warns(DeprecationWarning, match="my_consumer") as record:
        (address,) = cc.import_table("oldstuff", "^1", [("f", "void (void)", False)],
                                     requester="my_consumer")
    assert isinstance(address, int)
    assert any("oldstuff" in str(w.message) for w in record)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cc.import_table("oldstuff", "^1", [("g", "int (int)", False)], requester="my_consumer")


# ---- Threads ---------------------------------------------------------------------------------


def test_threads_request_and_publish_concurrently(cc, tools):
    n_stress, iterations, n_publish = 8, 10_000, 300
    barrier = threading.Barrier(n_stress + 1)
    results, errors = {}, []

    def run(key, fn, *args):
        try:
            barrier.wait()
            results[key] = fn(*args)
        except BaseException as exc:  # reported below
            errors.append((key, exc))

    threads = [
        threading.Thread(target=run, args=(i, cc.stress, "cstrings", "^1", CSTRINGS_ITEMS, iterations))
        for i in range(n_stress)
    ]
    threads.append(
        threading.Thread(target=run, args=("publish", tools.publish_many, "stress_api_", n_publish))
    )
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    assert [results[i] for i in range(n_stress)] == [iterations] * n_stress
    assert results["publish"] == n_publish

    (api,) = capreg.describe("stress_api_7")
    assert (api.name, api.version, api.provider) == ("stress_api_7", "1.0.0", TOOLS)
    assert [f.name for f in api.functions] == ["alpha", "beta", "gamma"]
    assert len(capreg.describe(f"stress_api_{n_publish - 1}")) == 1


def test_stress_reports_failure(cc):
    with pytest.raises(RuntimeError, match="no_such_api_stress"):
        cc.stress("no_such_api_stress", "^1", [], 3)


# ---- Reference counts ------------------------------------------------------------------------


def test_shout_keeps_refcounts(cc):
    s = "".join(["Mixed", "-case ", str(os.getpid()), " runtime string"])
    expected = s.upper()
    before = sys.getrefcount(s)
    for _ in range(10_000):
        result = cc.shout(s)
    assert result == expected
    assert sys.getrefcount(s) == before
    # A new reference, no more, no less: like one made in Python.
    reference = s.upper()
    assert sys.getrefcount(result) == sys.getrefcount(reference)
    del result

    broken = object()
    before = sys.getrefcount(broken)
    for _ in range(1000):
        with pytest.raises(AttributeError):
            cc.shout(broken)
    assert sys.getrefcount(broken) == before


def test_probes_keep_refcounts(cc):
    name = "".join(["fnv", "1a64"])
    signature = "".join(["uint64_t (const void *", ", size_t)"])
    item = (name, signature, False)
    items = [item]
    counts = (sys.getrefcount(name), sys.getrefcount(signature), sys.getrefcount(item),
              sys.getrefcount(items))
    for _ in range(500):
        cc.import_table("cstrings", "^1", items)
        cc.raw_resolve("cstrings", "^1", "rq", items)
        cc.raw_request("cstrings", "^1", "rq")
        cc.stress("cstrings", "^1", items, 2)
        with pytest.raises(capreg.MissingFunctionError):
            cc.import_table("cstrings", "^1", items + [("nope", "void (void)", False)])
    assert (sys.getrefcount(name), sys.getrefcount(signature), sys.getrefcount(item),
            sys.getrefcount(items)) == counts


# ---- Subinterpreters -------------------------------------------------------------------------


def test_subinterpreter_import_is_refused_clearly():
    pytest.importorskip("_testcapi")
    result = run_python(
        '''
        import _testcapi
        import capreg_test_cconsumer as cc
        SUB = """
        import sys
        try:
            import capreg_test_cconsumer
        except ImportError as exc:
            sys.stderr.write("SUBINTERP-IMPORTERROR %s: %s\\\\n" % (type(exc).__name__, exc))
        else:
            sys.stderr.write("SUBINTERP-NO-ERROR\\\\n")
        """
        import textwrap
        rc = _testcapi.run_in_subinterp(textwrap.dedent(SUB))
        print("RC", rc)
        assert cc.fnv1a64(b"") == 0xCBF29CE484222325
        print("MAIN-OK")
        ''',
        warnings_as_errors=False,
    )
    assert "SUBINTERP-IMPORTERROR" in result.stderr, (result.stdout, result.stderr)
    line = next(l for l in result.stderr.splitlines() if "SUBINTERP-IMPORTERROR" in l)
    assert "subinterpreter" in line.lower(), line
    assert "MAIN-OK" in result.stdout, (result.stdout, result.stderr)
    assert result.returncode == 0, result.stderr


# ---- The C example ---------------------------------------------------------------------------


def test_c_example(cc):
    example = pytest.importorskip("capreg_example_c")
    assert example.add(2, 3) == 5
    assert example.add(-(2**40), 1) == -(2**40) + 1
    assert example.total([1.0, 2.5, 3]) == 6.5
    assert example.total(()) == 0.0
    with pytest.raises(TypeError):
        example.total(x for x in [1.0])
    with pytest.raises(TypeError):
        example.total(["a"])
    assert example.checksum(b"abc") == cc.checksum(b"abc")
