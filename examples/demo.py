"""capreg demo: separately built and installed extensions — one in C, one in Rust (PyO3) — use
native APIs published by others through capreg: mathkit (a Rust extension module) and wildsort
(a Python-free library that the registry loads, and that a Rust program with no Python opens too).

Run it with `make demo` (which builds and installs everything first).
"""

import subprocess
import sys

import capreg


WIDTH = 79  # every header fits in 80 columns, with a rule of at least three '='


def section(title: str) -> None:
    rule = "=" * (WIDTH - len(title) - len("===  "))
    assert len(rule) >= 3, f"section title too long for {WIDTH} columns: {title!r}"
    print(f"\n=== {title} {rule}")


def run_cli(*args: str) -> None:
    print(f"$ python -m capreg {' '.join(args)}")
    out = subprocess.run([sys.executable, "-m", "capreg", *args], capture_output=True, text=True)
    print((out.stdout + out.stderr).rstrip())


section("1. A C extension calls mathkit through pointers it resolved at import")
import capreg_example_c  # noqa: E402  (its init resolved mathkit ^1.2 by name and signature)

print("capreg_example_c.add(40, 2)          =", capreg_example_c.add(40, 2))
print("capreg_example_c.total([1.5, 2.5])   =", capreg_example_c.total([1.5, 2.5]))
print("capreg_example_c.checksum(b'capreg') =", hex(capreg_example_c.checksum(b"capreg")))

section("2. A PyO3 extension does the same through capreg::import_api!")
import capreg_example_pyo3  # noqa: E402

print("capreg_example_pyo3.add(40, 2)          =", capreg_example_pyo3.add(40, 2))
print("capreg_example_pyo3.mean([1.0, 2.0, 6.0]) =", capreg_example_pyo3.mean([1.0, 2.0, 6.0]))
print("capreg_example_pyo3.checksum(b'capreg') =", hex(capreg_example_pyo3.checksum(b"capreg")))
assert capreg_example_c.checksum(b"capreg") == capreg_example_pyo3.checksum(b"capreg")
print("both reached the same provider function:", capreg.request("mathkit", "^1.2").file)

section("3. What is published: python -m capreg list")
run_cli("list")

section("4. Two majors side by side, and a request nothing satisfies")
for api in capreg.describe("mathkit"):
    print(f"mathkit {api.version}: {', '.join(f.name for f in api.functions)}")
try:
    capreg.request("mathkit", "^3", requester="a_consumer_from_the_future")
except capreg.VersionMismatchError as error:
    print(f"\n{type(error).__name__} (an ImportError):\n{error}")

section("5. What did each consumer ask for? python -m capreg check")
run_cli("check", "capreg_example_c", "capreg_example_pyo3")

section("6. wildsort, a Python-free provider: from C, PyO3, Python, no Python")
import random  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import wildsort  # noqa: E402
import wildsort._library  # noqa: E402

print("C (wildsort.h)      capreg_example_c.sort_ints([5, -3, 9, 0])     =", capreg_example_c.sort_ints([5, -3, 9, 0]))
print("PyO3 (import_api!)  capreg_example_pyo3.sort_floats([2.5, -0.0, 0.0, -1.0]) =", capreg_example_pyo3.sort_floats([2.5, -0.0, 0.0, -1.0]))
data = [random.randrange(-(2**62), 2**62) for _ in range(200_000)]
start = time.perf_counter()
expected = sorted(data)
t_sorted = time.perf_counter() - start
start = time.perf_counter()
got = wildsort.sort(data)
t_wild = time.perf_counter() - start
assert got == expected and all(a is b for a, b in zip(got, expected))
print(f"Python: wildsort.sort on 200,000 ints = sorted() (same objects, stable): {t_sorted * 1e3:.0f} ms -> {t_wild * 1e3:.0f} ms")
api = capreg.request("wildsort", "^1.0")
print(f"the provider: {api.name} {api.version} from {api.provider}, file {api.file}")
program = next((p for p in (Path("target/release/sort-without-python"), Path("target/debug/sort-without-python")) if p.exists()), None)
if program is not None:
    print(f"$ {program} <that file> 3 -1 2.5 -0.0 nan")
    out = subprocess.run([str(program), wildsort._library.PATH, "3", "-1", "2.5", "-0.0", "nan"], capture_output=True, text=True)
    print((out.stdout + out.stderr).rstrip())
try:
    capreg.request("wildsort", "^2", requester="a_wildsort_2_consumer")
except capreg.VersionMismatchError as error:
    print(f"\n{type(error).__name__}:\n{error}")

section("7. awaitkit: async functions in C and Rust, no coroutine state machine")
import asyncio  # noqa: E402


async def fetch(value, delay):
    await asyncio.sleep(delay)
    return value


async def main():
    c, rust = await asyncio.gather(
        capreg_example_c.fetch_and_double(fetch(21, 0.01)),
        capreg_example_pyo3.fetch_and_double(fetch(50, 0.02)),
    )
    print("await capreg_example_c.fetch_and_double(fetch(21))    =", c)
    print("await capreg_example_pyo3.fetch_and_double(fetch(50)) =", rust)


asyncio.run(main())
print("the provider:", capreg.request("awaitkit", "^1.0").provider, capreg.request("awaitkit", "^1.0").version)
