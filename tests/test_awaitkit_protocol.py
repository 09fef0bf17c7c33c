"""awaitkit.Awaitable as a type: every way of driving it returns the same objects (am_send on
3.10+, where asyncio's tasks and `await` use it; __next__ and send() with a StopIteration,
which must wrap tuples and exceptions), throw's argument forms, reference counts of objects
that are not immortal, and the type itself (made by PyType_FromSpec: not constructible, not
subclassable, weak references, GC traversal, reused memory that starts empty)."""

from __future__ import annotations

import asyncio
import gc
import sys
import weakref

import pytest

awc = pytest.importorskip("capreg_test_awconsumer")
import awaitkit  # noqa: E402


class Box:
    """Not immortal, not cached: identity and refcounts mean something."""


async def value(x, suspend=0):
    for _ in range(suspend):
        await asyncio.sleep(0)
    return x


async def _await(aw):
    return await aw


def identity(v):
    return v


def stop_value(aw, drive):
    """What aw returns when `drive(aw)` (send(None) or next()) makes it finish."""
    try:
        drive(aw)
    except StopIteration as e:
        return e.value
    raise AssertionError("the awaitable did not finish")


RESULTS = {
    "tuple": (1, 2),
    "empty tuple": (),
    "StopIteration": StopIteration("as a value"),
    "exception": KeyError("as a value"),
    "None": None,
    "object": Box(),
}


@pytest.mark.parametrize("result", RESULTS.values(), ids=RESULTS.keys())
def test_every_driver_returns_the_same_object(result):
    # An asyncio task drives the awaitable itself (am_send on 3.10+).
    assert asyncio.run(awc.then(value(result), identity)) is result
    # `await` in a coroutine (am_send on 3.10 and 3.11; __next__ on 3.9 and 3.12+).
    assert asyncio.run(_await(awc.then(value(result, suspend=1), identity))) is result
    # From Python: send(None) and next(), whose StopIteration must carry the object itself.
    assert stop_value(awc.then(value(result), identity), lambda aw: aw.send(None)) is result
    assert stop_value(awc.then(value(result), identity), next) is result


def stop_iteration(drive_to_end):
    """The StopIteration that `drive_to_end()` raises inside an `except` block."""
    try:
        raise ValueError("being handled")
    except ValueError:
        try:
            drive_to_end()
        except StopIteration as e:
            return e
    raise AssertionError("it did not finish")


@pytest.mark.parametrize("result", RESULTS.values(), ids=RESULTS.keys())
def test_the_stop_iteration_is_a_coroutines(result):
    # Python 3.12+ makes the exception at once (awaitkit makes it itself there): its arguments,
    # value and context must be those a native coroutine's return gives, on every version.
    for drive in (lambda aw: aw.send(None), next):
        ours = stop_iteration(lambda: drive(awc.then(value(result), identity)))
        theirs = stop_iteration(lambda: value(result).send(None))
        assert ours.value is result and theirs.value is result
        assert ours.args == theirs.args
        assert type(ours.__context__) is type(theirs.__context__) is ValueError


def test_returning_through_stop_iteration_keeps_refcounts():
    result = Box()
    before = sys.getrefcount(result)
    for _ in range(1000):
        assert stop_value(awc.then(value(result), identity), next) is result
    assert sys.getrefcount(result) == before


def test_send_from_python_forwards_and_returns_any_value():
    class Echo:
        def __await__(self):
            got = yield "ready"
            return (got, "tuple")

    o = Box()
    aw = awc.then(Echo(), identity)
    assert aw.send(None) == "ready"
    assert stop_value(aw, lambda aw: aw.send(o)) == (o, "tuple")


class Catcher:
    def __init__(self):
        self.seen = []

    def __await__(self):
        try:
            yield "waiting"
        except Exception as e:  # noqa: BLE001 - records what was thrown
            self.seen.append(e)
            return ("caught", e)


THROWS = {
    "instance": lambda aw: aw.throw(KeyError("k")),
    "type": lambda aw: aw.throw(KeyError),
    "type, value": lambda aw: aw.throw(KeyError, "k"),
    "type, args tuple": lambda aw: aw.throw(KeyError, ("k",)),
    "type, instance, None": lambda aw: aw.throw(KeyError, KeyError("k"), None),
}


@pytest.mark.parametrize("throw", THROWS.values(), ids=THROWS.keys())
def test_throw_forms_reach_the_awaited_iterator(throw):
    catcher = Catcher()
    aw = awc.then(catcher, identity)
    assert aw.send(None) == "waiting"
    kind, exc = stop_value(aw, throw)
    assert kind == "caught" and isinstance(exc, KeyError) and catcher.seen == [exc]


def test_throw_with_a_traceback_keeps_it():
    try:
        raise KeyError("k")
    except KeyError as e:
        tb = e.__traceback__
    catcher = Catcher()
    aw = awc.then(catcher, identity)
    aw.send(None)
    _, exc = stop_value(aw, lambda aw: aw.throw(KeyError, KeyError("k2"), tb))
    assert exc.__traceback__ is not None


@pytest.mark.parametrize("args", [(), (KeyError, None, None, None)])
def test_throw_arity_is_checked(args):
    aw = awc.fetch_and_double(value(1))
    with pytest.raises(TypeError):
        aw.throw(*args)
    aw.close()


def test_refcounts_stay_balanced_on_every_path():
    o = Box()
    before = sys.getrefcount(o)
    for _ in range(200):
        assert asyncio.run(awc.then(value(o), identity)) is o
        assert stop_value(awc.then(value(o), identity), next) is o
        assert stop_value(awc.then(value((o, o)), identity), lambda aw: aw.send(None)) == (o, o)
        assert asyncio.run(_await(awc.then(value(o, suspend=1), lambda v: (v, 0))))[0] is o
    gc.collect()
    assert sys.getrefcount(o) == before


def test_the_type_is_made_by_native_code_only():
    assert awaitkit.Awaitable.__module__ == "awaitkit"
    assert awaitkit.Awaitable.__name__ == "Awaitable"
    with pytest.raises(TypeError):
        awaitkit.Awaitable()
    with pytest.raises(TypeError):

        class Sub(awaitkit.Awaitable):  # not an acceptable base type
            pass


def test_instances_hold_their_type_and_release_it():
    def cycle(n):
        for _ in range(n):
            assert asyncio.run(awc.fetch_and_double(value(2))) == 4
            awc.values_roundtrip(Box(), 1)

    cycle(100)  # asyncio and the interpreter cache the type as they meet it
    gc.collect()
    refs = sys.getrefcount(awaitkit.Awaitable)
    cycle(1000)
    gc.collect()
    # 2000 awaitables made and freed: one reference kept or lost per awaitable would show here.
    assert abs(sys.getrefcount(awaitkit.Awaitable) - refs) < 10


def test_weak_references_and_gc_traversal():
    coro = value(1)
    aw = awc.fetch_and_double(coro)
    assert gc.is_tracked(aw)
    referents = gc.get_referents(aw)
    assert coro in referents and awaitkit.Awaitable in referents
    ref = weakref.ref(aw)
    assert ref() is aw
    aw.close()
    del aw
    assert ref() is None
    # Its memory is reused by the next awaitables: the weak reference stays dead.
    more = [awc.fetch_and_double(value(i)) for i in range(4)]
    assert ref() is None
    for aw in more:
        aw.close()


def test_reused_memory_starts_empty():
    for _ in range(50):
        # values_roundtrip frees an awaitable holding values, arbitrary values and a result.
        assert awc.values_roundtrip(Box(), 2) is True
        for case in (7, 11, 12):  # get_value, unpack_values, get_arbitrary on a new one
            with pytest.raises(IndexError):
                awc.bad_call(case, None)
        assert asyncio.run(awc.deferred(lambda: None)) is None
