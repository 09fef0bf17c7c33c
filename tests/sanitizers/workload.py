"""A workload for the valgrind run of the sanitizer lane (scripts/sanitizers.sh): N rounds of
import, request, resolve, sort and await, through every kind of consumer and the failure paths.
Run it twice with different N: memory lost for good must not grow with N."""

import asyncio
import random
import sys

import awaitkit  # noqa: F401  (a provider, imported as a consumer's request would)
import capreg
import capreg_test_awconsumer as awc
import capreg_test_cconsumer as cc
import wildsort


async def value(x, suspend=0):
    for _ in range(suspend):
        await asyncio.sleep(0)
    return x


async def fail(x):
    await asyncio.sleep(0)
    raise ValueError(x)


async def one_round(i):
    assert await awc.fetch_and_double(value(i, suspend=1)) == 2 * i
    assert await awc.gather_seq([value(i), value(i + 1, suspend=1)]) == [i, i + 1]
    try:
        await awc.fetch_and_double(fail(i))
    except ValueError:
        pass
    else:
        raise AssertionError("the failing coroutine's error was lost")


def main(rounds: int) -> None:
    rng = random.Random(7)
    for i in range(rounds):
        api = capreg.request("mathkit", "^1", requester="workload")
        assert api.address("add_i64", "int64_t (int64_t, int64_t)")
        try:
            api.address("no_such_fn", "fn()")
        except capreg.ResolutionError:
            pass
        try:
            capreg.request("mathkit", "^99", requester="workload")
        except capreg.ResolutionError:
            pass
        assert cc.add_i64(i, 2) == i + 2
        assert cc.fnv1a64(b"workload") == cc.fnv1a64(b"workload")
        ints = [rng.randrange(-(2**63), 2**63) for _ in range(300)]
        floats = [rng.random() for _ in range(300)]
        assert wildsort.sort(ints) == sorted(ints)
        assert wildsort.sort(floats, reverse=True) == sorted(floats, reverse=True)
        asyncio.run(one_round(i))


if __name__ == "__main__":
    main(int(sys.argv[1]))
