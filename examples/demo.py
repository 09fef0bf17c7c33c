"""capreg demo: two separately built and installed extensions — one in C, one in Rust (PyO3) —
use a native API published by a third (mathkit, from capreg-test-rsprovider), through capreg.

Run it with `make demo` (which builds and installs everything first).
"""

import subprocess
import sys

import capreg


def section(title: str) -> None:
    print(f"\n=== {title} " + "=" * max(0, 74 - len(title)))


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
