"""No input crashes the process: the signatures that overflowed the stack, names, versions and
requirements past their limits, and strings that cannot be UTF-8, from Python, from a C consumer
and provider (the raw table and the `_py` entry points) and from threads with small stacks. Each
gets a clear BadArgumentError (or CAPREG_ERR_BAD_ARGUMENT, 6) naming the limit, and the process
goes on."""

from __future__ import annotations

import threading

import pytest

import capreg

cc = pytest.importorskip("capreg_test_cconsumer")
TOOLS = "capreg_test_cprovider._tools"
tools = pytest.importorskip(TOOLS)

BAD_ARGUMENT = 6
MAX_SIGNATURE_BYTES = 4096
MAX_TYPE_DEPTH = 16

# The inputs that ended the interpreter with SIGSEGV (stack overflow), each past the length limit.
OVERFLOWING = {
    "30,000 '*mut '": "fn(" + "*mut " * 30_000 + "i32)",
    "30,000 'Option<fn('": "fn(" + "Option<fn(" * 30_000 + ")>" * 30_000 + ")",
    "30,000 'fn('": "fn(" * 30_000 + ")" * 30_000,
    "30,000 C 'int (*)('": "int (" + "int (*)(" * 30_000 + "void" + ")" * 30_000 + ")",
    "100,000 C stars": "int (int " + "*" * 100_000 + ")",
}
# Under the length limit, one level past the nesting limit.
TOO_DEEP = {
    "17 '*mut '": "fn(" + "*mut " * (MAX_TYPE_DEPTH + 1) + "i32)",
    "17 'fn('": "fn(" * (MAX_TYPE_DEPTH + 2) + ")" * (MAX_TYPE_DEPTH + 2),
    "17 C stars": "int (int " + "*" * (MAX_TYPE_DEPTH + 1) + ")",
    "17 C 'int (*)('": "int (" + "int (*)(" * (MAX_TYPE_DEPTH + 1) + "void" + ")" * (MAX_TYPE_DEPTH + 1) + ")",
}


def names_a_limit(message: str) -> bool:
    return f"limit of {MAX_SIGNATURE_BYTES} bytes" in message or f"{MAX_TYPE_DEPTH} levels" in message


@pytest.mark.parametrize("text", list(OVERFLOWING.values()) + list(TOO_DEEP.values()), ids=list(OVERFLOWING) + list(TOO_DEEP))
def test_deep_signatures_from_python(text):
    api = capreg.request("mathkit", "^1", requester="hardening")
    with pytest.raises(capreg.BadArgumentError) as info:
        api.address("add_i64", text)
    message = str(info.value)
    assert names_a_limit(message), message
    assert len(message) < 2000, "the message quotes the signature cut, not whole"
    assert api.address("add_i64", "int64_t (int64_t, int64_t)")  # the registry goes on


@pytest.mark.parametrize("text", list(OVERFLOWING.values()) + list(TOO_DEEP.values()), ids=list(OVERFLOWING) + list(TOO_DEEP))
def test_deep_signatures_from_c(text):
    code, message, _addresses, untouched = cc.raw_resolve("mathkit", "^1", "hardening_c", [("add_i64", text, False)])
    assert (code, untouched) == (BAD_ARGUMENT, True) and names_a_limit(message), message
    with pytest.raises(capreg.BadArgumentError, match="limit of|levels"):
        cc.import_table("mathkit", "^1", [("add_i64", text, False)], requester="hardening_c")
    code, message = tools.publish("hardening_api", "1.0.0", TOOLS, [("f", text, "1.0", False)])
    assert code == BAD_ARGUMENT and names_a_limit(message), message
    with pytest.raises(capreg.BadArgumentError, match="limit of|levels"):
        tools.publish_py("hardening_api", "1.0.0", TOOLS, [("f", text, "1.0", False)])
    assert "hardening_api" not in {a.name for a in capreg.apis(discover=False)}


def test_deep_signatures_in_threads_with_small_stacks():
    """2,000 levels (10 KB) crashed a thread with a 256 KiB stack; the deepest accepted
    signature parses in one with 64 KiB."""
    api = capreg.request("mathkit", "^1", requester="hardening_thread")
    outcomes = []

    def probe(text):
        try:
            api.address("add_i64", text)
            outcomes.append("resolved")
        except capreg.SignatureMismatchError:
            outcomes.append("mismatch")  # parsed fine, just not add_i64's signature
        except capreg.BadArgumentError as e:
            outcomes.append("refused" if names_a_limit(str(e)) else str(e))

    cases = [
        ("fn(" + "*mut " * 2_000 + "i32)", 256 * 1024, "refused"),
        ("fn(" + "Option<fn(" * 2_000 + ")>" * 2_000 + ")", 256 * 1024, "refused"),
        ("fn(" + "*mut " * MAX_TYPE_DEPTH + "i32)", 64 * 1024, "mismatch"),
        ("int (" + "int (*)(" * MAX_TYPE_DEPTH + "void" + ")" * MAX_TYPE_DEPTH + ")", 64 * 1024, "mismatch"),
    ]
    old = threading.stack_size()
    try:
        for text, stack, _expected in cases:
            threading.stack_size(stack)
            thread = threading.Thread(target=probe, args=(text,))
            thread.start()
            thread.join(timeout=60)
            assert not thread.is_alive()
    finally:
        threading.stack_size(old)
    assert outcomes == [expected for _text, _stack, expected in cases]


@pytest.mark.parametrize(
    "call, limit",
    [
        (lambda long: capreg.request(long, "^1", requester="hardening"), "256 bytes"),
        (lambda long: capreg.request("mathkit", "^1", requester=long), "256 bytes"),
        (lambda long: capreg.request("mathkit", ">=1, " * 100 + long, requester="hardening"), "256 bytes"),
        (lambda long: capreg.request("mathkit", "^1", requester="hardening").address(long, "fn()"), "256 bytes"),
    ],
    ids=["API name", "requester", "requirement", "function name"],
)
def test_long_names_and_requirements_are_refused(call, limit):
    with pytest.raises(capreg.BadArgumentError) as info:
        call("x" * 100_000)
    message = str(info.value)
    assert f"limit of {limit}" in message and "100000 bytes" in message or "bytes long" in message, message
    assert len(message) < 2000


def test_long_versions_are_refused_at_publish():
    code, message = tools.publish("hardening_v", "1." + "0" * 100, TOOLS, [("f", "void (void)", "1.0", False)])
    assert code == BAD_ARGUMENT and "limit of 64 bytes" in message, message
    code, message = tools.publish("hardening_v", "1.0.0", TOOLS, [("f", "void (void)", "1." + "0" * 100, False)])
    assert code == BAD_ARGUMENT and "limit of 64 bytes" in message, message
    code, message = tools.publish("x" * 300, "1.0.0", TOOLS, [("f", "void (void)", "1.0", False)])
    assert code == BAD_ARGUMENT and "limit of 256 bytes" in message, message


@pytest.mark.parametrize("where", ["api", "requirement", "requester", "function", "signature"])
def test_a_lone_surrogate_is_a_bad_argument(where):
    bad = "abc\ud800"
    args = {"api": "mathkit", "requirement": "^1", "requester": "hardening", "function": "add_i64", "signature": "fn(i64, i64) -> i64"}
    args[where] = bad
    with pytest.raises(capreg.BadArgumentError, match="lone surrogate") as info:
        capreg.request(args["api"], args["requirement"], requester=args["requester"]).address(args["function"], args["signature"])
    assert not isinstance(info.value, UnicodeError)
