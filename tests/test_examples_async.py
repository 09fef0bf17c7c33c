"""The example C and PyO3 extensions expose async functions built on awaitkit, through the
registry: `await fetch_and_double(coro)` is `2 * await coro`, under asyncio and trio."""

import asyncio

import pytest

capreg_example_c = pytest.importorskip("capreg_example_c")
capreg_example_pyo3 = pytest.importorskip("capreg_example_pyo3")

EXAMPLES = [capreg_example_c, capreg_example_pyo3]


async def twenty_one(steps=0):
    for _ in range(steps):
        await asyncio.sleep(0)
    return 21


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda m: m.__name__)
@pytest.mark.parametrize("steps", [0, 1, 50])
def test_fetch_and_double_under_asyncio(example, steps):
    assert asyncio.run(example.fetch_and_double(twenty_one(steps))) == 42


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda m: m.__name__)
def test_errors_propagate(example):
    async def boom():
        raise KeyError("from the coroutine")

    with pytest.raises(KeyError, match="from the coroutine"):
        asyncio.run(example.fetch_and_double(boom()))

    async def not_a_number():
        return object()

    with pytest.raises(TypeError):  # raised by the native callback
        asyncio.run(example.fetch_and_double(not_a_number()))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda m: m.__name__)
def test_is_a_real_coroutine_and_concurrent(example):
    async def main():
        aw = example.fetch_and_double(twenty_one(3))
        assert asyncio.iscoroutine(aw)
        results = await asyncio.gather(*(example.fetch_and_double(twenty_one(i % 4)) for i in range(100)))
        return await aw, results

    first, results = asyncio.run(main())
    assert first == 42 and results == [42] * 100


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda m: m.__name__)
def test_under_trio(example):
    trio = pytest.importorskip("trio")

    async def value():
        await trio.sleep(0)
        return 5

    async def main():
        return await example.fetch_and_double(value())

    assert trio.run(main) == 10


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda m: m.__name__)
def test_cancellation_reaches_the_inner_coroutine(example):
    events = []

    async def slow():
        try:
            await asyncio.sleep(10)
        finally:
            events.append("finally ran")

    async def main():
        task = asyncio.ensure_future(example.fetch_and_double(slow()))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        events.append("task done")

    asyncio.run(main())
    assert events == ["finally ran", "task done"]
