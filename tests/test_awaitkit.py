"""awaitkit through a C consumer (tests/extensions/aw_consumer_c, headers/awaitkit.h): results,
ordering, callback return codes, error routing, async_with, argument checks, the coroutine
protocol. Cancellation, trio and anyio: test_awaitkit_cancel.py; leaks: test_awaitkit_leaks.py;
NULL pointers and tracebacks as Python promises them: test_awaitkit_promises.py."""

from __future__ import annotations

import asyncio
import collections.abc
import contextvars
import gc

import pytest

awc = pytest.importorskip("capreg_test_awconsumer")
import awaitkit  # noqa: E402


def run(aw):
    return asyncio.run(_wrap(aw))


async def _wrap(aw):
    return await aw


async def value(x, suspend=0):
    for _ in range(suspend):
        await asyncio.sleep(0)
    return x


async def fail(exc, suspend=0):
    for _ in range(suspend):
        await asyncio.sleep(0)
    raise exc


class Box:
    """Not immortal, not cached: identity and refcounts mean something."""


# ---- results, identity, ordering ---------------------------------------------------------


def test_fetch_and_double():
    assert run(awc.fetch_and_double(value(21))) == 42
    assert run(awc.fetch_and_double(value("ab", suspend=3))) == "abab"


def test_it_is_a_coroutine():
    aw = awc.fetch_and_double(value(1))
    try:
        assert isinstance(aw, awaitkit.Awaitable)
        assert isinstance(aw, collections.abc.Coroutine)
        assert asyncio.iscoroutine(aw)
        assert awc.awaitable_type() is awaitkit.Awaitable
        assert awaitkit.API_NAME == "awaitkit" and awaitkit.API_VERSION == "1.0.0"
    finally:
        aw.close()


def test_results_keep_identity():
    objs = [Box() for _ in range(5)]
    got = run(awc.gather_seq([value(o, suspend=i % 2) for i, o in enumerate(objs)]))
    assert len(got) == 5 and all(a is b for a, b in zip(got, objs))


def test_steps_run_in_order():
    log = []

    async def step(i):
        log.append(("start", i))
        await asyncio.sleep(0)
        log.append(("end", i))
        return i

    assert run(awc.gather_seq([step(i) for i in range(3)])) == [0, 1, 2]
    assert log == [(k, i) for i in range(3) for k in ("start", "end")]


def test_500_steps():
    assert run(awc.gather_seq([value(i, suspend=i % 3) for i in range(500)])) == list(range(500))


def test_10000_suspensions():
    async def busy():
        for _ in range(10_000):
            await asyncio.sleep(0)
        return 5

    assert run(awc.fetch_and_double(busy())) == 10


def test_yields_exactly_what_the_inner_coroutine_yields():
    class Yielder:
        def __await__(self):
            x = yield "first"
            y = yield ("second", x)
            return ("done", y)

    aw = awc.then(Yielder(), lambda v: v)
    assert aw.send(None) == "first"
    assert aw.send(1) == ("second", 1)
    with pytest.raises(StopIteration) as e:
        aw.send(2)
    assert e.value.value == ("done", 2)


def test_no_bare_none_when_nothing_is_awaited():
    aw = awc.deferred(lambda: 7)
    with pytest.raises(StopIteration) as e:
        aw.send(None)  # finishes at once: no extra loop turn
    assert e.value.value == 7


def test_second_await_raises():
    aw = awc.fetch_and_double(value(1))

    async def twice():
        first = await aw
        with pytest.raises(RuntimeError):
            await aw
        return first

    assert asyncio.run(twice()) == 2


# ---- callback return codes and error routing ---------------------------------------------

# result callback modes of awc.probe
OK, RAISE, RAISE2, NOEXC, NOEXC2, STOP, POSITIVE, ZERO_EXC, RAISE3 = range(9)
# error callback modes (-1: none)
SWALLOW, RERAISE, OWN, OWN_NOEXC, BAD = range(5)
NONE = -1


def test_result_callback_ok():
    o = Box()
    assert run(awc.probe(value(o), OK, NONE)) is o


@pytest.mark.parametrize("emode", [NONE, RERAISE])
def test_result_callback_minus_one_propagates(emode):
    with pytest.raises(ValueError, match="from the result callback"):
        run(awc.probe(value(1), RAISE, emode))


def test_result_callback_minus_one_goes_to_the_error_callback():
    kind, exc = run(awc.probe(value(1), RAISE, SWALLOW))
    assert kind == "swallowed" and isinstance(exc, ValueError)


@pytest.mark.parametrize("rmode", [RAISE2, RAISE3])
def test_result_callback_minus_two_skips_the_error_callback(rmode):
    with pytest.raises(ValueError, match="from the result callback"):
        run(awc.probe(value(1), rmode, SWALLOW))


@pytest.mark.parametrize("rmode", [NOEXC, NOEXC2, POSITIVE, ZERO_EXC])
def test_broken_result_callback_is_a_system_error(rmode):
    with pytest.raises(SystemError):
        run(awc.probe(value(1), rmode, SWALLOW))


def test_stop_iteration_in_a_callback_becomes_runtime_error():
    with pytest.raises(RuntimeError, match="StopIteration") as e:
        run(awc.probe(value(1), STOP, NONE))
    assert isinstance(e.value.__cause__, StopIteration)

    def stop(v):
        raise StopIteration(v)

    with pytest.raises(RuntimeError):
        run(awc.then(value(1), stop))


def test_inner_error_without_error_callback_propagates():
    with pytest.raises(KeyError, match="inner"):
        run(awc.probe(fail(KeyError("inner"), suspend=1), OK, NONE))


def test_error_callback_codes():
    exc = KeyError("inner")
    kind, got = run(awc.probe(fail(exc, suspend=1), OK, SWALLOW))
    assert kind == "swallowed" and got is exc
    with pytest.raises(KeyError, match="inner"):
        run(awc.probe(fail(KeyError("inner")), OK, RERAISE))
    with pytest.raises(KeyError, match="own") as e:
        run(awc.probe(fail(ValueError("inner")), OK, OWN))
    assert isinstance(e.value.__context__, ValueError)
    for bad in (OWN_NOEXC, BAD):
        with pytest.raises(SystemError):
            run(awc.probe(fail(ValueError("inner")), OK, bad))


def test_error_callback_from_python_callables():
    assert run(awc.then(fail(ValueError("x")), None, lambda e: ("handled", str(e)))) == ("handled", "x")
    with pytest.raises(ValueError):
        run(awc.then(fail(ValueError("x")), None, lambda e: None))  # None: re-raise


def test_error_skips_the_remaining_steps_and_closes_them():
    later = value(1)
    with pytest.raises(KeyError):
        run(awc.gather_seq([value(0), fail(KeyError("k")), later]))
    assert later.cr_frame is None  # closed: no "never awaited" warning


# ---- awaits added from callbacks, defer, nesting, cancel ---------------------------------


def test_awaits_added_from_a_callback():
    def again(n):
        return value(n + 1, suspend=1) if n < 50 else ("done", n)

    assert run(awc.then(value(0), again)) == ("done", 50)


def test_steps_added_by_a_callback_run_right_after_it():
    assert run(awc.insert_order(value("a"), value("b"), value("c", suspend=1))) == ["a", "c", "b"]


def test_defer_step():
    assert run(awc.deferred(lambda: Box)) is Box
    assert run(awc.deferred(lambda: value("later", suspend=2))) == "later"
    with pytest.raises(ZeroDivisionError):
        run(awc.deferred(lambda: 1 / 0))


def test_nesting():
    inner = awc.fetch_and_double(value(5, suspend=1))
    assert run(awc.fetch_and_double(awc.fetch_and_double(inner))) == 40
    assert run(awc.then(awc.gather_seq([value(1), value(2)]), sum)) == 3


def test_cancel_inside_a_callback_closes_pending_coroutines():
    second = value(2)
    assert run(awc.cancel_after_first(value(1), second)) == 1
    assert second.cr_frame is None


def test_contextvars_are_visible_in_callbacks():
    var = contextvars.ContextVar("var", default="unset")

    async def main():
        var.set("task")
        return await awc.then(value(1), lambda v: (v, var.get()))

    assert asyncio.run(main()) == (1, "task")


# ---- async_with ---------------------------------------------------------------------------


class Ctx:
    def __init__(self, swallow=False, fail_enter=False):
        self.log = []
        self.swallow = swallow
        self.fail_enter = fail_enter

    async def __aenter__(self):
        await asyncio.sleep(0)
        self.log.append("enter")
        if self.fail_enter:
            raise OSError("enter failed")
        return self

    async def __aexit__(self, typ, exc, tb):
        await asyncio.sleep(0)
        self.log.append(("exit", typ))
        return self.swallow


def test_async_with_success():
    ctx = Ctx()
    assert run(awc.with_ctx(ctx, 0, False)) is ctx
    assert ctx.log == ["enter", ("exit", None)]


def test_async_with_body_awaits_before_exit():
    ctx = Ctx()

    async def inner():
        ctx.log.append("body")
        return "from body"

    assert run(awc.with_ctx(ctx, 3, False, inner())) == "from body"
    assert ctx.log == ["enter", "body", ("exit", None)]


@pytest.mark.parametrize("body_mode", [1, 2])
def test_async_with_body_failure_is_reraised(body_mode):
    ctx = Ctx()
    with pytest.raises(ValueError, match="from the body"):
        run(awc.with_ctx(ctx, body_mode, False))
    assert ctx.log == ["enter", ("exit", ValueError)]


def test_async_with_body_failure_goes_to_the_error_callback():
    ctx = Ctx()
    kind, exc = run(awc.with_ctx(ctx, 1, True))
    assert kind == "error" and isinstance(exc, ValueError)
    with pytest.raises(ValueError):  # <= -2 skips the error callback
        run(awc.with_ctx(Ctx(), 2, True))


def test_async_with_exit_returning_true_swallows():
    ctx = Ctx(swallow=True)
    assert run(awc.with_ctx(ctx, 1, False)) is None
    assert ctx.log == ["enter", ("exit", ValueError)]


def test_async_with_failure_of_an_awaited_step_in_the_body():
    ctx = Ctx()
    with pytest.raises(KeyError):
        run(awc.with_ctx(ctx, 3, False, fail(KeyError("deep"), suspend=1)))
    assert ctx.log == ["enter", ("exit", KeyError)]


def test_async_with_enter_failure():
    ctx = Ctx(fail_enter=True)
    with pytest.raises(OSError):
        run(awc.with_ctx(ctx, 0, False))
    kind, exc = run(awc.with_ctx(Ctx(fail_enter=True), 0, True))
    assert kind == "error" and isinstance(exc, OSError)
    assert ctx.log == ["enter"]  # no __aexit__


# ---- argument checks ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "case, obj, exc",
    [
        (0, None, TypeError),  # NULL aw
        (1, 1, TypeError),  # aw is not an Awaitable
        (2, None, ValueError),  # awaiting itself
        (3, 1, TypeError),  # not awaitable
        (4, None, TypeError),  # NULL awaitable
        (5, None, SystemError),  # add_expr(NULL) without an exception
        (6, None, KeyError),  # add_expr(NULL) keeps the caller's exception
        (7, None, IndexError),
        (8, 1, IndexError),
        (9, None, TypeError),  # NULL defer callback
        (10, 1, TypeError),  # not an async context manager
        (11, None, IndexError),
        (12, None, IndexError),
        (13, 1, TypeError),
        (14, "x", TypeError),
        (15, None, TypeError),  # NULL result
    ],
)
def test_argument_checks(case, obj, exc):
    with pytest.raises(exc):
        awc.bad_call(case, obj)


# ---- the coroutine protocol ------------------------------------------------------------------


def test_send_forwards_values():
    class Echo:
        def __await__(self):
            got = yield "ready"
            return got

    aw = awc.then(Echo(), lambda v: v)
    assert aw.send(None) == "ready"
    with pytest.raises(StopIteration) as e:
        aw.send("hello")
    assert e.value.value == "hello"
    with pytest.raises(RuntimeError):
        aw.send(None)


def test_send_non_none_first_is_a_type_error():
    aw = awc.fetch_and_double(value(1))
    with pytest.raises(TypeError):
        aw.send(1)
    aw.close()


@pytest.mark.parametrize("three", [False, True])
def test_throw_forwards_one_and_three_argument_forms(three):
    seen = []

    class Catcher:
        def __await__(self):
            try:
                yield "waiting"
            except KeyError as e:
                seen.append(e)
                return "caught"

    aw = awc.then(Catcher(), lambda v: v)
    assert aw.send(None) == "waiting"
    with pytest.raises(StopIteration) as e:
        if three:
            aw.throw(KeyError, KeyError("k"), None)
        else:
            aw.throw(KeyError("k"))
    assert e.value.value == "caught" and isinstance(seen[0], KeyError)


def test_throw_bad_arguments():
    aw = awc.fetch_and_double(value(1))
    with pytest.raises(TypeError):
        aw.throw(1)
    with pytest.raises(TypeError):
        aw.throw(KeyError("x"), KeyError("y"))
    aw.close()


def test_close_runs_the_inner_finally():
    log = []

    class Suspend:
        def __await__(self):
            yield "suspended"

    async def inner():
        try:
            await Suspend()
        finally:
            log.append("finally")

    aw = awc.fetch_and_double(inner())
    aw.send(None)
    aw.close()
    assert log == ["finally"]
    aw.close()  # idempotent


def test_throw_before_start_raises_and_closes():
    pending = value(1)
    aw = awc.fetch_and_double(pending)
    with pytest.raises(KeyError):
        aw.throw(KeyError("early"))
    assert pending.cr_frame is None
    gc.collect()


def test_async_with_body_that_cancels_still_exits():
    ctx = Ctx()
    inner = value("never")
    assert run(awc.with_ctx(ctx, 4, False, inner)) is None
    assert ctx.log == ["enter", ("exit", None)]
    assert inner.cr_frame is None
