"""A PyO3 consumer (capreg::import_api!) against the Rust and the C provider."""

import sys

import pytest

import capreg
import capreg_test_rsconsumer as rs


def test_calls_through_both_majors_in_one_process():
    assert rs.add_v1(40, 2) == 42
    assert rs.add_v1(2**62, 2**62) == -(2**63)
    assert rs.add_v2(40, 2) == 42
    with pytest.raises(OverflowError):
        rs.add_v2(2**62, 2**62)  # 2.x's checked add
    assert rs.version_hex_v2() == 0x02000000


def test_optional_functions():
    assert rs.optional_present() == (True, False)


def test_pointers_and_callbacks():
    assert rs.checksum(b"") == 0xCBF29CE484222325
    assert rs.checksum(b"capreg") == rs.fnv1a64(b"capreg")  # Rust and C providers agree
    assert rs.sum([0.5, 1.5, 2.0]) == 4.0
    assert rs.apply_double([1, 0, -3]) == ([2, 0, -6], 2)


def test_pyobject_functions_keep_refcounts():
    text = "".join(["not", " ", "interned"])  # a fresh, non-immortal object
    before = sys.getrefcount(text)
    for _ in range(10_000):
        assert rs.shout(text) == "NOT INTERNED"
    assert sys.getrefcount(text) == before
    with pytest.raises(AttributeError):
        rs.shout(42)  # the provider's error comes back as the exception


def test_import_is_cached():
    assert rs.import_is_cached()


def test_bad_table_lists_every_problem():
    with pytest.raises(capreg.MissingFunctionError) as info:
        rs.import_wrong()
    e = info.value
    assert e.requester == "capreg_test_rsconsumer.wrong"
    assert e.requirement == "^1" and e.found_version == "1.4.0"
    assert e.functions == ["no_such_fn", "clamp_to_int"]
    assert e.missing == ["no_such_fn"]
    assert e.mismatched == [("clamp_to_int", "fn(i32) -> i32", "fn(isize) -> i32")]
    assert "2 functions unresolved" in str(e)
    # Nothing was cached: asking again fails again, the same way.
    with pytest.raises(capreg.MissingFunctionError):
        rs.import_wrong()


def test_too_new_requirement():
    with pytest.raises(capreg.VersionMismatchError) as info:
        rs.import_too_new()
    assert info.value.requester == "capreg_test_rsconsumer.too_new"
    assert 'pip install -U "capreg-test-rsprovider>=3,<4"' in str(info.value)


def test_from_library_errors_are_clear(tmp_path):
    missing = tmp_path / "nope.so"
    message = rs.from_library_error(str(missing))
    assert "cannot open" in message and str(missing) in message and "'capreg_test_rsconsumer'" in message
    not_a_library = tmp_path / "text.so"
    not_a_library.write_text("not an ELF file")
    message = rs.from_library_error(str(not_a_library))
    assert "cannot load" in message and str(not_a_library) in message


def test_from_library_refuses_a_library_without_the_entry_point():
    import capreg_test_cprovider._tools as tools

    message = rs.from_library_error(tools.__file__)
    assert "is not a capreg provider library" in message and "capreg_library_declarations" in message


def test_from_library_resolves_with_the_same_checks():
    import capreg_test_rsprovider.capreg_test_rsprovider as provider

    path = provider.__file__
    assert rs.from_library_add(path, 40, 2) == 42
    message = rs.from_library_too_new(path)
    for needle in ["'capreg_test_rsconsumer.too_new'", '"^3"', "mathkit 1.4.0", "mathkit 2.0.0", path]:
        assert needle in message, needle
    # No Python, so maybe no pip, and no distribution: the fix names the file to replace.
    fix = f"Fix: 'capreg_test_rsconsumer.too_new' asks for a newer 'mathkit' than 2.0.0: replace the library {path} with a build of 'capreg_test_rsprovider' that publishes mathkit \"^3\""
    assert fix in message, message
    assert "pip install" not in message, message
