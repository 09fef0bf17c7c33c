"""Every `extern "C" fn` that Rust code in this repository defines keeps a panic out of C.

A panic that reaches an `extern "C"` boundary aborts the process. So each such function either
runs its body through one of capreg's guards (`capreg::guard::{c_status, c_code, python}`),
directly or through a wrapper that does, or carries a `// Cannot panic: <why>` comment (above
it, or as the first line of its body). A wrapper is a function whose own body calls a guard, or
a specialised guard marked `// Specialised guard: <why>` (awaitkit's hot paths).
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SKIP_DIRS = {"target", ".git", "dist", "fuzz-target"}

GUARD_CALL = re.compile(r"\b(?:guard::)?(?:c_status|c_code)\s*\(|\bguard::python\s*\(")
FN_DEF = re.compile(r"^[ \t]*(?:pub(?:\([^)]*\))?\s+)?(?:unsafe\s+)?(?:extern\s+\"C\"\s+)?fn\s+(\$?\w+)", re.M)
EXTERN_C_DEF = re.compile(r"^[ \t]*(?:pub(?:\([^)]*\))?\s+)?(?:unsafe\s+)?extern\s+\"C\"\s+fn\s+(\$?\w+)", re.M)


def rust_files():
    for path in ROOT.rglob("*.rs"):
        if not SKIP_DIRS.intersection(path.relative_to(ROOT).parts) and not any(
            part.startswith(".venv") for part in path.parts
        ):
            yield path


def body_of(text, start):
    """The text of the function body whose signature starts at `start` (None for a declaration)."""
    depth, i = 0, start
    while i < len(text) and text[i] not in "{;":
        i += 1
    if i >= len(text) or text[i] == ";":
        return None
    begin = i
    for j in range(i, len(text)):
        if text[j] == "{":
            depth += 1
        elif text[j] == "}":
            depth -= 1
            if depth == 0:
                return text[begin : j + 1]
    return text[begin:]


def lines_above(text, start, n=12):
    """The comment, doc and attribute lines right above `start`."""
    above = text[:start].splitlines()[-n:]
    kept = []
    for line in reversed(above):
        stripped = line.strip()
        if stripped.startswith(("//", "#[", "///")) or not stripped:
            kept.append(stripped)
        else:
            break
    return kept


def definitions():
    for path in rust_files():
        text = path.read_text(encoding="utf-8")
        for match in FN_DEF.finditer(text):
            body = body_of(text, match.end())
            if body is not None:
                yield path, text, match, body


def wrappers():
    names = set()
    for _path, text, match, body in definitions():
        specialised = any(line.startswith("// Specialised guard:") for line in lines_above(text, match.start()))
        if GUARD_CALL.search(body) or specialised:
            names.add(match.group(1))
    return names


def test_every_extern_c_fn_is_guarded_or_says_why_it_cannot_panic():
    guards = wrappers()
    calls_wrapper = re.compile(r"\b(?:%s)\s*\(" % "|".join(map(re.escape, sorted(guards))))
    checked, unguarded = 0, []
    for path, text, match, body in definitions():
        if not EXTERN_C_DEF.match(text, match.start()):
            continue
        checked += 1
        first_line = body[1:].strip().splitlines()[0] if body[1:].strip() else ""
        says_why = first_line.startswith("// Cannot panic:") or any(
            line.startswith("// Cannot panic:") for line in lines_above(text, match.start())
        )
        if not (says_why or GUARD_CALL.search(body) or calls_wrapper.search(body)):
            line = text[: match.start()].count("\n") + 1
            unguarded.append(f"{path.relative_to(ROOT)}:{line}: extern \"C\" fn {match.group(1)}")
    assert checked > 50, f"found only {checked} extern \"C\" fns: is the scan broken?"
    assert not unguarded, (
        "these extern \"C\" fns neither run through a capreg::guard nor say '// Cannot panic: <why>':\n"
        + "\n".join(unguarded)
    )


def test_the_check_would_catch_an_unguarded_function(tmp_path):
    """The scan itself: a bare extern "C" fn with a panic path is found; a commented one is not."""
    text = 'extern "C" fn risky(x: i32) -> i32 {\n    [1, 2][x as usize]\n}\n'
    match = EXTERN_C_DEF.search(text)
    body = body_of(text, match.end())
    assert match.group(1) == "risky" and "[1, 2]" in body
    assert not GUARD_CALL.search(body) and not lines_above(text, match.start())
    commented = "// Cannot panic: only a constant.\n" + text
    m2 = EXTERN_C_DEF.search(commented)
    assert "// Cannot panic: only a constant." in lines_above(commented, m2.start())
