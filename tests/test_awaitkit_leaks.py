"""awaitkit's ownership: values and results hold their own references, cancel closes pending
coroutines, the GC sees everything an awaitable holds, and repeating each scenario 1000 times
leaves reference counts and tracemalloc flat (with objects that are not immortal)."""

from __future__ import annotations

import asyncio
import gc
import sys
import tracemalloc
import warnings
import weakref

import pytest

awc = pytest.importorskip("capreg_test_awconsumer")


class Box:
    pass


async def value(x, suspend=0):
    for _ in range(suspend):
        await asyncio.sleep(0)
    return x


async def fail(exc):
    await asyncio.sleep(0)
    raise exc


def test_values_and_results_take_their_own_references():
    o = Box()
    before = sys.getrefcount(o)
    assert awc.values_roundtrip(o, 1000) is True
    assert sys.getrefcount(o) == before


def test_result_is_released_after_await():
    o = Box()
    before = sys.getrefcount(o)
    for _ in range(100):
        assert asyncio.run(_await(awc.probe(value(o), 0, -1))) is o
    assert sys.getrefcount(o) == before


async def _await(aw):
    return await aw


def test_never_awaited_warns_and_closes_the_coroutine():
    coro = value(1)
    with pytest.warns(ResourceWarning, match="never awaited"):
        aw = awc.pending(coro, False)
        del aw
        gc.collect()
    assert coro.cr_frame is None  # closed: no RuntimeWarning "coroutine ... was never awaited"


def test_cancelled_gives_no_warning():
    coro = value(1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        aw = awc.pending(coro, True)
        del aw
        gc.collect()
    assert coro.cr_frame is None


def test_a_helper_that_stores_itself_is_collected():
    aw = awc.self_store()
    ref = weakref.ref(aw)
    del aw
    gc.collect()
    assert ref() is None


def test_gc_traverses_pending_steps():
    # A cycle through a pending coroutine: awaitable -> coroutine -> frame -> awaitable.
    holder = []

    async def keeps(x):
        await asyncio.sleep(0)
        return x

    coro = keeps(holder)
    aw = awc.fetch_and_double(coro)
    holder.append(aw)
    ref = weakref.ref(aw)
    aw.close()
    del aw, coro, holder
    gc.collect()
    assert ref() is None


async def scenario_mix():
    o = Box()
    assert await awc.fetch_and_double(value(3, suspend=1)) == 6
    assert (await awc.gather_seq([value(o), value(o, suspend=1)]))[1] is o
    kind, exc = await awc.probe(fail(KeyError("k")), 0, 0)
    assert kind == "swallowed" and exc.__traceback__ is not None
    with pytest.raises(KeyError):
        await awc.probe(fail(KeyError("k")), 0, -1)
    with pytest.raises(SystemError):
        await awc.probe(value(1), 3, 0)
    assert await awc.deferred(lambda: value(o)) is o
    assert await awc.cancel_after_first(value(1), value(2)) == 1
    task = asyncio.ensure_future(awc.fetch_and_double(asyncio.sleep(10)))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    try:
        await awc.bad_call(3, o)
    except TypeError:
        pass
    for case in (16, 19, 22):  # NULL pointers, after saving o
        with pytest.raises(TypeError):
            awc.bad_call(case, o)
    awc.values_roundtrip(o, 3)
    awc.self_store()
    return o


class Ctx:
    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        return None


async def scenario_with():
    ctx = Ctx()
    assert await awc.with_ctx(ctx, 0, False) is ctx
    with pytest.raises(ValueError):
        await awc.with_ctx(ctx, 1, False)
    with pytest.raises(ValueError):
        await awc.with_ctx(ctx, 2, True)
    with pytest.raises(KeyError):  # __aexit__ gets the traceback (and the exception carries it)
        await awc.with_ctx(ctx, 3, False, fail(KeyError("deep")))


@pytest.mark.parametrize("scenario", [scenario_mix, scenario_with])
def test_1000_repetitions_stay_flat(scenario):
    async def many(n):
        for _ in range(n):
            await scenario()

    asyncio.run(many(50))  # warm caches
    gc.collect()
    # Every live Box holds a reference to its class: a leaked one shows here.
    refs = sys.getrefcount(Box)
    total_before = sys.gettotalrefcount() if hasattr(sys, "gettotalrefcount") else None
    tracemalloc.start()
    try:
        asyncio.run(many(1000))
        gc.collect()
        first, _ = tracemalloc.get_traced_memory()
        asyncio.run(many(1000))
        gc.collect()
        second, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sys.getrefcount(Box) == refs
    if total_before is not None:
        assert sys.gettotalrefcount() - total_before < 1000
    # The second 1000 allocate nothing that lasts: growth well under one object per run.
    assert second - first < 32 * 1024, (first, second)
