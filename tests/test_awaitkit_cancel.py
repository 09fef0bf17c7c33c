"""awaitkit under cancellation and other event loops: asyncio's task.cancel(), trio's cancel
scopes, anyio on both backends. The cancellation is thrown into the coroutine being awaited
(its `finally` runs before the task ends); if it re-raises, the step's error callback receives
it like any other error, and returning -1 from it lets the cancellation propagate."""

from __future__ import annotations

import asyncio

import pytest

awc = pytest.importorskip("capreg_test_awconsumer")


def reraise(exc):
    """An error callback (through awc.then) that records the error and lets it propagate."""
    SEEN.append(type(exc))
    return None


SEEN: list = []


@pytest.fixture(autouse=True)
def _clear_seen():
    SEEN.clear()


def make_inner(log, sleep):
    async def inner():
        try:
            log.append("started")
            await sleep()
            log.append("not cancelled")
            return 1
        finally:
            log.append("finally")

    return inner


# ---- asyncio ---------------------------------------------------------------------------------


def test_asyncio_task_cancel_reaches_the_inner_coroutine():
    log = []

    async def main():
        inner = make_inner(log, lambda: asyncio.sleep(10))
        task = asyncio.ensure_future(awc.then(inner(), lambda v: v, reraise))
        await asyncio.sleep(0)
        assert log == ["started"]
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert log == ["started", "finally"]  # before the task ended

    asyncio.run(main())
    assert SEEN == [asyncio.CancelledError]


def test_asyncio_awaitable_as_the_task_coroutine_and_wrapped():
    log = []

    async def main():
        inner = make_inner(log, lambda: asyncio.sleep(10))

        async def wrapper():
            return await awc.fetch_and_double(inner())

        task = asyncio.create_task(wrapper())
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert log == ["started", "finally"]


def test_asyncio_wait_for_timeout():
    log = []

    async def main():
        inner = make_inner(log, lambda: asyncio.sleep(10))
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(awc.fetch_and_double(inner()), 0.01)

    asyncio.run(main())
    assert log == ["started", "finally"]


def test_asyncio_gather_and_real_sleeps():
    async def main():
        async def slow(x):
            await asyncio.sleep(0.01)
            return x

        return await asyncio.gather(*(awc.fetch_and_double(slow(i)) for i in range(20)))

    assert asyncio.run(main()) == [2 * i for i in range(20)]


# ---- trio ------------------------------------------------------------------------------------


def test_trio_runs_it():
    trio = pytest.importorskip("trio")

    async def slow(x):
        await trio.sleep(0.001)
        return x

    async def main():
        return await awc.fetch_and_double(slow(21)), await awc.gather_seq([slow(1), slow(2)])

    assert trio.run(main) == (42, [1, 2])


def test_trio_move_on_after_reaches_the_inner_coroutine():
    trio = pytest.importorskip("trio")
    log = []

    async def main():
        inner = make_inner(log, lambda: trio.sleep(10))
        with trio.move_on_after(0.01) as scope:
            await awc.then(inner(), lambda v: v, reraise)
        assert scope.cancelled_caught
        assert log == ["started", "finally"]

    trio.run(main)
    assert SEEN == [trio.Cancelled]


# ---- anyio -----------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_anyio_both_backends(backend):
    anyio = pytest.importorskip("anyio")
    if backend == "trio":
        pytest.importorskip("trio")
    log = []

    async def main():
        async def slow(x):
            await anyio.sleep(0.001)
            return x

        assert await awc.fetch_and_double(slow(4)) == 8
        inner = make_inner(log, lambda: anyio.sleep(10))
        with anyio.move_on_after(0.01) as scope:
            await awc.fetch_and_double(inner())
        assert scope.cancelled_caught
        assert log == ["started", "finally"]

        async with anyio.create_task_group() as tg:
            results = []

            async def one(i):
                results.append(await awc.fetch_and_double(slow(i)))

            for i in range(5):
                tg.start_soon(one, i)
        assert sorted(results) == [0, 2, 4, 6, 8]

    anyio.run(main, backend=backend)
