"""awaitkit keeps Python's own promises, tried as an extension author would, from
headers/awaitkit.h only (through the C consumer tests/extensions/aw_consumer_c), under asyncio,
trio and anyio: NULL pointers give TypeError as the header says."""

from __future__ import annotations

import asyncio
import sys

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
