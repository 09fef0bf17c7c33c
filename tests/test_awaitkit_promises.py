"""awaitkit keeps Python's own promises, tried as an extension author would, from
headers/awaitkit.h only (through the C consumer tests/extensions/aw_consumer_c), under asyncio,
trio and anyio: NULL pointers give TypeError as the header says; an exception handed to an
error callback carries its traceback, as `except` hands it over; and in `async_with`,
`__aexit__`'s `tb is exc.__traceback__`, as in Python's `async with`."""

from __future__ import annotations

import asyncio
import sys
import traceback

import pytest

awc = pytest.importorskip("capreg_test_awconsumer")


class Loop:
    """One event loop: how to run `main()` and how to yield to the loop once."""

    def __init__(self, name):
        self.name = name
        if name == "asyncio":
            self.run, self.sleep0 = (lambda main: asyncio.run(main())), (lambda: asyncio.sleep(0))
        elif name == "trio":
            trio = pytest.importorskip("trio")
            self.run, self.sleep0 = trio.run, (lambda: trio.sleep(0))
        else:
            anyio = pytest.importorskip("anyio")
            backend = name.split("-")[1]
            if backend == "trio":
                pytest.importorskip("trio")
            self.run = lambda main: anyio.run(main, backend=backend)
            self.sleep0 = lambda: anyio.sleep(0)


@pytest.fixture(params=["asyncio", "trio", "anyio-asyncio", "anyio-trio"])
def loop(request):
    return Loop(request.param)


class Box:
    """Not immortal, not cached: reference counts mean something."""


# ---- NULL pointers give TypeError ---------------------------------------------------------------

NULL_CASES = {
    16: "unpack_values(aw, NULL, 3), 3 saved",
    17: "unpack_arbitrary(aw, NULL, 1), 1 saved",
    18: "save_values(aw, NULL, 2)",
    19: "save_values with a NULL value",
    20: "save_arbitrary(aw, NULL, 1)",
    21: "get_arbitrary(aw, 0, NULL)",
    22: "set_value(aw, 0, NULL)",
    23: "async_with(aw, NULL, ...)",
}


@pytest.mark.parametrize("case", sorted(NULL_CASES), ids=NULL_CASES.get)
def test_null_pointers_give_type_error(case):
    with pytest.raises(TypeError, match="NULL"):
        awc.bad_call(case, Box())


def test_unpack_values_null_out_names_the_argument_not_a_count():
    with pytest.raises(TypeError, match=r"^awaitkit: unpack_values got NULL out$"):
        awc.bad_call(16, Box())
    with pytest.raises(TypeError, match=r"^awaitkit: unpack_arbitrary got NULL out$"):
        awc.bad_call(17, Box())
    with pytest.raises(IndexError, match=r"^awaitkit: cannot unpack 3 values: 0 saved$"):
        awc.bad_call(11, None)  # a real shortage still says how many are saved


def test_null_pointer_failures_keep_reference_counts():
    o = Box()
    before = sys.getrefcount(o)
    for case in (16, 19, 22):
        for _ in range(100):
            with pytest.raises(TypeError):
                awc.bad_call(case, o)
    assert sys.getrefcount(o) == before


@pytest.mark.parametrize("case", [16, 17, 19, 21, 22])
def test_null_pointers_in_a_callback_raise_type_error_out_of_await(loop, case):
    async def args():
        await loop.sleep0()
        return (case, Box())

    async def main():
        with pytest.raises(TypeError, match="NULL"):
            await awc.bad_call_later(args())
        return "ok"

    assert loop.run(main) == "ok"


# ---- the exception an error callback receives carries its traceback ----------------------------


def failing(loop, exc):
    async def deep_failure():
        await loop.sleep0()
        raise exc

    return deep_failure()


def innermost(tb):
    frames = traceback.extract_tb(tb)
    return frames[-1].name, frames[-1].lineno


# probe modes (see test_awaitkit.py): result callback OK, error callback SWALLOW
OK, SWALLOW = 0, 0


def test_error_callback_sees_the_traceback_python_would(loop):
    async def main():
        exc = KeyError("from deep down")
        kind, got = await awc.probe(failing(loop, exc), OK, SWALLOW)  # C logs and swallows it
        assert kind == "swallowed" and got is exc
        theirs = KeyError("from deep down")
        try:
            await failing(loop, theirs)
        except KeyError as e:
            python_tb = e.__traceback__
        return got.__traceback__, python_tb

    tb, python_tb = loop.run(main)
    assert tb is not None
    assert innermost(tb) == innermost(python_tb)
    assert innermost(tb)[0] == "deep_failure"


def test_error_callback_from_python_sees_the_traceback(loop):
    async def main():
        seen = []
        result = await awc.then(
            failing(loop, ValueError("x")), None, lambda e: seen.append(e.__traceback__) or "handled"
        )
        return result, seen

    result, seen = loop.run(main)
    assert result == "handled" and seen[0] is not None
    assert innermost(seen[0])[0] == "deep_failure"


def test_reraised_error_keeps_its_traceback(loop):
    async def main():
        with pytest.raises(ValueError) as e:
            await awc.then(failing(loop, ValueError("x")), None, lambda e: None)  # None: re-raise
        return e.value.__traceback__

    tb = loop.run(main)
    assert any(frame.name == "deep_failure" for frame in traceback.extract_tb(tb))


# ---- async_with: tb is exc.__traceback__ while __aexit__ runs -----------------------------------


class Ctx:
    """Records what `__aexit__` sees: its arguments and the exception's own traceback."""

    def __init__(self, loop):
        self.loop = loop
        self.seen = None

    async def __aenter__(self):
        await self.loop.sleep0()
        return self

    async def __aexit__(self, typ, exc, tb):
        await self.loop.sleep0()
        self.seen = (typ, exc, tb, None if exc is None else exc.__traceback__)
        return False


def test_async_with_exit_gets_tb_that_is_the_exceptions_own(loop):
    async def main():
        ctx = Ctx(loop)
        err = KeyError("in the body")
        with pytest.raises(KeyError):
            # body mode 3: the body awaits `inner`, which fails
            await awc.with_ctx(ctx, 3, False, failing(loop, err))
        python_ctx = Ctx(loop)
        with pytest.raises(KeyError):
            async with python_ctx:
                await failing(loop, KeyError("in the body"))
        return ctx.seen, python_ctx.seen, err

    (typ, exc, tb, own), (ptyp, pexc, ptb, pown), err = loop.run(main)
    assert ptb is pown and ptb is not None  # what Python's async with does
    assert (typ, exc) == (KeyError, err)
    assert tb is not None and tb is own
    assert innermost(tb) == innermost(ptb)


def test_async_with_success_still_gets_three_nones(loop):
    async def main():
        ctx = Ctx(loop)
        assert await awc.with_ctx(ctx, 0, False) is ctx
        return ctx.seen

    assert loop.run(main) == (None, None, None, None)
