"""wildsort.sort is sorted(): same result, same objects, stable, for any input; the native
paths (all ints in 64 bits, or all floats) included. And its provider's failures are clear."""

import math
import os
import random
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import capreg
import wildsort

from conftest import run_python


def check(items, **kwargs):
    expected = sorted(items, **kwargs)
    got = wildsort.sort(items, **kwargs)
    # The same objects in the same order (so equal too, NaNs included).
    assert len(got) == len(expected) and all(a is b for a, b in zip(got, expected)), "not the same objects in the same order"
    return got


# Lists long enough to take the native paths (wildsort._SMALL is the threshold) and short ones.
lengths = st.integers(min_value=0, max_value=300)
ints = st.one_of(st.integers(-(2**63), 2**63 - 1), st.integers(-5, 5), st.booleans())
huge_ints = st.integers(-(2**70), 2**70)
floats = st.floats(allow_nan=True, allow_infinity=True)
plain_floats = st.floats(allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(st.lists(ints, max_size=300), st.booleans())
def test_ints(items, reverse):
    check(items, reverse=reverse)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(ints, huge_ints), max_size=300), st.booleans())
def test_ints_beyond_64_bits(items, reverse):
    check(items, reverse=reverse)


@settings(max_examples=200, deadline=None)
@given(st.lists(plain_floats, max_size=300), st.booleans())
def test_floats(items, reverse):
    check(items, reverse=reverse)


@settings(max_examples=200, deadline=None)
@given(st.lists(floats, max_size=300), st.booleans())
def test_floats_with_nan(items, reverse):
    check(items, reverse=reverse)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(ints, plain_floats), max_size=300), st.booleans())
def test_mixed_ints_and_floats(items, reverse):
    check(items, reverse=reverse)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(-3, 3), st.integers()), max_size=300), st.booleans())
def test_key_functions_are_stable(items, reverse):
    # Many equal keys: the order among them must be the input order (reversed input for none).
    check(items, key=lambda t: t[0], reverse=reverse)
    check(items, key=lambda t: float(t[0]), reverse=reverse)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=3), max_size=200), st.booleans())
def test_other_types_fall_back(items, reverse):
    check(items, reverse=reverse)
    check(items, key=len, reverse=reverse)


def test_large_native_paths_keep_objects_and_stability():
    rng = random.Random(5)
    items = [rng.randrange(-(10**6), 10**6) * 1000 for _ in range(20_000)]  # distinct objects, many equal
    check(items)
    check(items, reverse=True)
    records = [(rng.randrange(50), i) for i in range(20_000)]
    check(records, key=lambda r: r[0])
    check(records, key=lambda r: r[0], reverse=True)
    check(records, key=lambda r: r[0] / 7)
    zeros = [0.0, -0.0] * 100 + [1.5, -1.5] * 100
    got = check(zeros)
    assert [math.copysign(1, z) for z in got if z == 0] == [math.copysign(1, z) for z in zeros if z == 0]


def test_equal_keys_keep_input_order_when_memory_order_differs():
    # Equal floats made in one order, then shuffled: input order is not address order, so a
    # sort that ever breaks ties by the object (its address) is caught. Long enough for every
    # radix path (the old core failed this above 100,000 items).
    rng = random.Random(9)
    for distinct in (1_000_000, 1000):
        items = [float(rng.randrange(distinct)) + 0.5 for _ in range(300_000)]
        rng.shuffle(items)
        check(items)
        check(items, reverse=True)


def test_int_subclasses_with_their_own_order_fall_back():
    class Backwards(int):
        def __lt__(self, other):
            return int(self) > int(other)

    items = [Backwards(i) for i in range(200)]
    check(items)
    assert wildsort.sort(items)[0] == 199


def test_key_errors_propagate_like_sorted():
    calls = []

    def key(x):
        calls.append(x)
        if x == 150:
            raise KeyError("boom at 150")
        return x

    with pytest.raises(KeyError, match="boom at 150"):
        wildsort.sort(range(300), key=key)
    assert calls == list(range(151))  # called in order, once each, up to the failure


def outcome(fn, *args, **kwargs):
    try:
        return ("returned", fn(*args, **kwargs))
    except Exception as e:  # compare whatever happens, of any kind
        return ("raised", type(e), str(e))


def test_bad_arguments_do_what_sorted_does():
    # Whether `reverse="yes"` is an error depends on the Python version (3.13 accepts any
    # object): wildsort must agree with this Python's sorted() either way.
    for kwargs in [{"reverse": "yes"}, {"reverse": 2}, {"key": 5}, {"key": None, "reverse": None}]:
        for size in (3, 100):
            assert outcome(wildsort.sort, list(range(size)), **kwargs) == outcome(sorted, list(range(size)), **kwargs), kwargs
    assert outcome(wildsort.sort, list(range(100)) + ["x"]) == outcome(sorted, list(range(100)) + ["x"])
    assert outcome(wildsort.sort, 5) == outcome(sorted, 5)


def test_accepts_any_iterable_and_returns_a_new_list():
    source = list(range(100, 0, -1))
    out = wildsort.sort(iter(source))
    assert out == sorted(source) and out is not source
    assert wildsort.sort(x for x in (3.0, 1.0)) == [1.0, 3.0]


def test_reaches_the_native_core_through_the_registry():
    wildsort.sort(list(range(1000, 0, -1)))
    api = capreg.request("wildsort", "^1.0", requester="tests")
    assert api.provider == "libwildsort" and api.version == "1.0.0"
    assert api.file.endswith("wildsort/libwildsort.so")
    assert api.distribution == "wildsort"
    assert {f.name for f in api.functions} >= {"sort_i64", "sort_f64", "argsort_i64", "argsort_f64", "version"}


def test_refcounts_are_unchanged():
    items = [10**12 + i for i in range(500)]
    before = [sys.getrefcount(x) for x in items]
    for _ in range(100):
        wildsort.sort(items, reverse=True)
    assert [sys.getrefcount(x) for x in items] == before


@pytest.mark.parametrize("last", [float("nan"), "text", 2**70, 1.5, True], ids=repr)
@pytest.mark.parametrize("reverse", [False, True])
def test_refcounts_are_unchanged_when_the_native_path_gives_up_late(last, reverse):
    # The native path takes a reference on each item as it reads its key; a key it cannot
    # handle, found last, must give every one of them back before list.sort takes over.
    first = [float(10**12 + i) if isinstance(last, float) else 10**12 + i for i in range(500)]
    items = [last] + first if reverse else first + [last]
    comparable = not isinstance(last, str)  # "text" among ints: sorted() raises TypeError
    before = [sys.getrefcount(x) for x in items]
    for _ in range(50):
        if comparable:
            check(items, reverse=reverse)
        else:
            with pytest.raises(TypeError):
                wildsort.sort(items, reverse=reverse)
    assert [sys.getrefcount(x) for x in items] == before


@pytest.mark.parametrize("threads", ["1", "3", "not a number"])
def test_the_thread_cap_changes_nothing_but_speed(threads, fresh):
    # Large enough to be cut in parts; floats with duplicates, so stability shows.
    code = """
        import random, wildsort
        rng = random.Random(5)
        items = [float(rng.randrange(50_000)) for _ in range(300_000)]
        rng.shuffle(items)
        for reverse in (False, True):
            got, expected = wildsort.sort(items, reverse=reverse), sorted(items, reverse=reverse)
            assert all(a is b for a, b in zip(got, expected)) and len(got) == len(expected)
        print("ok")
    """
    assert fresh(code, env={"WILDSORT_THREADS": threads}).strip() == "ok"


# A function for the fresh interpreters below: how many of libwildsort's workers run now.
WORKER_THREADS = """
        def workers():
            names = []
            for task in os.listdir("/proc/self/task"):
                try:
                    with open(f"/proc/self/task/{task}/comm") as f:
                        names.append(f.read().strip())
                except FileNotFoundError:
                    pass  # a thread that just ended
            return names.count("wildsort-worker")
    """


def test_a_fork_finds_no_workers_and_the_child_sorts_with_its_own(fresh):
    # libwildsort keeps its worker threads between sorts. They end before a fork
    # (pthread_atfork): the child (multiprocessing's default start on Linux) must neither wait
    # for the parent's workers nor use them, and the parent has no threads at the fork, so
    # Python 3.12+ does not warn that a multi-threaded process forked.
    code = WORKER_THREADS + """
        import os, random, signal, time, warnings, wildsort
        rng = random.Random(7)
        items = [rng.uniform(-1.0, 1.0) for _ in range(300_000)]
        assert wildsort.sort(items) == sorted(items)  # the parent's workers start here
        assert workers() >= 1, "a large sort keeps a worker"
        # The module's own gather thread ends with each sort, but leaves the kernel's list of
        # threads (which Python counts) a moment later; the pool's workers stay for a second.
        time.sleep(0.05)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            pid = os.fork()
        if pid == 0:
            signal.alarm(30)  # a child that waits forever ends, and the check fails
            ok = wildsort.sort(items) == sorted(items) and wildsort.sort(items, reverse=True) == sorted(items, reverse=True)
            os._exit(0 if ok and workers() >= 1 else 1)
        assert workers() == 0, "the workers ended before the fork"
        assert not caught, [str(w.message) for w in caught]
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0, status
        assert wildsort.sort(items) == sorted(items)  # the parent takes workers again
        assert workers() >= 1
        print("ok")
    """
    assert fresh(code, timeout=60).strip() == "ok"


def test_worker_threads_end_when_sorts_stop(fresh):
    # Kept for the next pass and the next sort, gone after about a second without one: a process
    # that stopped sorting holds no threads of wildsort's.
    code = WORKER_THREADS + """
        import os, random, time, wildsort
        items = [random.random() for _ in range(300_000)]
        assert workers() == 0
        wildsort.sort(items)
        assert workers() >= 1, "a large sort keeps a worker"
        deadline = time.monotonic() + 10
        while workers() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert workers() == 0, "idle workers end"
        assert wildsort.sort(items) == sorted(items)  # and come back when needed
        print("ok")
    """
    assert fresh(code).strip() == "ok"


def test_lists_and_floats_are_read_through_their_fields_on_cpython():
    # The layout check at first use passes on every CPython this is tested on: were it to fail
    # silently, the fast path would quietly be the slow one.
    assert wildsort._wildsort.reaches_fields()


@pytest.mark.parametrize("threads", ["1", "2"])
def test_the_c_api_calls_path_sorts_the_same(threads, fresh):
    # WILDSORT_OBJECT_FIELDS=0 keeps the native path to PyList_GetItem, PyFloat_AsDouble and
    # PyList_SetItem: the path an interpreter with another layout takes.
    code = """
        import random, sys, wildsort
        assert not wildsort._wildsort.reaches_fields()
        rng = random.Random(3)
        shapes = [[float(rng.randrange(5000)) for _ in range(200_000)],
                  [rng.randrange(-2**62, 2**62) for _ in range(1000)],
                  [10**12 + rng.randrange(50) for _ in range(300)] + [2**70]]
        for items in shapes:
            before = [sys.getrefcount(x) for x in items]
            for reverse in (False, True):
                for key in (None, abs):
                    got, expected = wildsort.sort(items, key=key, reverse=reverse), sorted(items, key=key, reverse=reverse)
                    assert len(got) == len(expected) and all(a is b for a, b in zip(got, expected))
            del got, expected
            assert [sys.getrefcount(x) for x in items] == before
        print("ok")
    """
    assert fresh(code, env={"WILDSORT_OBJECT_FIELDS": "0", "WILDSORT_THREADS": threads}).strip() == "ok"


def test_a_list_changed_while_the_native_path_prepares_is_not_read_stale(fresh):
    # Making the new list can start a collection, whose callbacks run Python code: here one
    # shrinks the list being sorted. The native path must notice before it reads the list's slots
    # (the removed items are kept alive, so stale slots would still show floats).
    code = """
        import gc
        from wildsort import _wildsort
        items = [float(i) for i in range(1000, 0, -1)]
        removed = items[900:]
        armed = [True]
        def shrink(phase, info):
            if armed[0] and phase == "start":
                armed[0] = False
                del items[900:]
        gc.callbacks.append(shrink)
        gc.set_threshold(1)
        result = _wildsort.sorted_list(items, items, False)
        assert not armed[0] and len(items) == 900
        assert result is None or result == sorted(items), len(result)
        print("ok")
    """
    assert fresh(code).strip() == "ok"


def test_the_library_is_named_as_the_platform_names_it():
    from wildsort import _library

    assert [_library.file_name(p) for p in ("linux", "darwin", "win32", "freebsd14")] == [
        "libwildsort.so", "libwildsort.dylib", "wildsort.dll", "libwildsort.so",
    ]
    assert os.path.basename(_library.PATH) == _library.file_name()
    assert os.path.isfile(_library.PATH)


def test_a_newer_major_names_the_installed_library(fresh):
    out = fresh(
        """
        import capreg
        try:
            capreg.request("wildsort", "^2", requester="future_consumer")
        except capreg.VersionMismatchError as e:
            print(e)
        """
    )
    for needle in ["'future_consumer'", '"^2"', "wildsort 1.0.0 from 'libwildsort'", "wildsort/libwildsort.so", 'pip install -U "wildsort>=2,<3"']:
        assert needle in out, needle


@pytest.mark.parametrize("damage", ["missing", "corrupt"])
def test_a_broken_library_is_a_clear_import_error(tmp_path, damage):
    path = tmp_path / "libwildsort.so"
    if damage == "corrupt":
        path.write_bytes(b"\x7fELF" + b"\x00garbage" * 100)
    proc = run_python(
        f"""
        import wildsort._library
        wildsort._library.PATH = {str(path)!r}   # as if the installed file were {damage}
        import capreg, wildsort
        try:
            wildsort.sort(list(range(1000)))
        except capreg.ProviderLoadError as e:
            print(type(e).__name__, "|", e)
        print("survived")
        """
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.startswith("ProviderLoadError |") and "survived" in out
    for needle in ["'wildsort._wildsort' requested API 'wildsort'", str(path), "distribution 'wildsort'", "pip install --force-reinstall wildsort"]:
        assert needle in out, needle
    assert ("cannot open" if damage == "missing" else "cannot load") in out


def test_c_consumer_sorts_through_the_generated_header():
    import capreg_example_c

    values = [5, -3, 2**62, -(2**63), 0, 7, 7]
    assert capreg_example_c.sort_ints(values) == sorted(values)
    assert capreg_example_c.sort_ints([]) == []
    with pytest.raises(OverflowError):
        capreg_example_c.sort_ints([2**64])


def test_pyo3_consumer_sorts_floats_by_total_order():
    import capreg_example_pyo3

    got = capreg_example_pyo3.sort_floats([2.5, float("nan"), 0.0, -0.0, float("-inf"), -1.0])
    assert got[:5] == [float("-inf"), -1.0, -0.0, 0.0, 2.5] and math.isnan(got[5])
    assert math.copysign(1, got[2]) == -1 and math.copysign(1, got[3]) == 1


def _program():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    for profile in ("debug", "release"):
        exe = root / "target" / profile / "sort-without-python"
        if exe.exists():
            return exe
    pytest.fail("sort-without-python was not built (scripts/setup.sh builds it)")


def test_a_program_with_no_python_uses_the_same_library():
    import subprocess
    import wildsort._library

    exe = _program()
    linked = subprocess.run(["ldd", str(exe), wildsort._library.PATH], capture_output=True, text=True).stdout
    assert "libpython" not in linked, "neither the program nor libwildsort may need Python"
    out = subprocess.run([str(exe), wildsort._library.PATH, "3", "-1", "2.5", "-0.0", "0.0", "nan"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        f"wildsort 1.0.0 from {wildsort._library.PATH}",
        "ints:   [-1, 3]",
        "floats: [-0.0, 0.0, 2.5, NaN]",
    ]


def test_a_program_with_no_python_gets_clear_errors(tmp_path):
    import subprocess

    out = subprocess.run([str(_program()), str(tmp_path / "missing.so")], capture_output=True, text=True, timeout=60)
    assert out.returncode == 1
    assert "'sort-without-python' requested API 'wildsort' \"^1.0\"" in out.stderr and "cannot open" in out.stderr
