"""Consumers check the registry table before trusting it: a wrong magic, major or size is one
clear ImportError, in C (capreg.h) and in Rust (capreg::python), never a crash."""

import pytest

from conftest import run_python

# Puts a fake `capreg._capreg` whose capsule points at a table we forge, then imports a consumer.
FORGE = """
import ctypes, sys, types

class Table(ctypes.Structure):
    _fields_ = [("magic", ctypes.c_uint32), ("abi_major", ctypes.c_uint16), ("abi_minor", ctypes.c_uint16),
                ("size", ctypes.c_uint32), ("reserved", ctypes.c_uint32), ("slots", ctypes.c_void_p * 7)]

table = Table({magic}, {major}, 0, {size}, 0)
name = ctypes.create_string_buffer(b"capreg._REGISTRY")
new_capsule = ctypes.pythonapi.PyCapsule_New
new_capsule.restype = ctypes.py_object
new_capsule.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
fake = types.ModuleType("capreg._capreg")
fake._REGISTRY = new_capsule(ctypes.addressof(table), ctypes.addressof(name), None)
sys.modules["capreg"] = types.ModuleType("capreg")
sys.modules["capreg._capreg"] = fake
try:
    import {consumer}
except ImportError as e:
    print("ImportError:", e)
else:
    print("imported")
"""

GOOD_MAGIC, FULL_SIZE = 0x43524547, 64


MAGIC_WRONG = [
    "does not hold a capreg registry table",
    "its magic is 0xdeadbeef, not 0x43524547 ('CREG')",
    "pip install --force-reinstall capreg",
]


@pytest.mark.parametrize("consumer", ["capreg_test_cconsumer", "capreg_test_rsconsumer"])
@pytest.mark.parametrize(
    "magic, major, size, needles, wrong",
    [
        # A wrong magic is not a table at all: its major is noise, and is not reported.
        (0xDEADBEEF, 1, FULL_SIZE, MAGIC_WRONG, "ABI major"),
        (0xDEADBEEF, 2, FULL_SIZE, MAGIC_WRONG, "ABI major"),
        (
            GOOD_MAGIC, 2, FULL_SIZE,
            [
                "the installed registry has ABI major 2; this module was built for ABI major 1",
                "rebuild this module against the installed capreg's headers",
                "install a capreg release that speaks ABI major 1",
            ],
            "magic",
        ),
        (
            GOOD_MAGIC, 0, FULL_SIZE,
            [
                "the installed registry has ABI major 0; this module was built for ABI major 1",
                "upgrade capreg: pip install -U capreg",
            ],
            "magic",
        ),
        (GOOD_MAGIC, 1, 24, ["table is 24 bytes", "pip install -U capreg"], "ABI major"),
    ],
)
def test_consumers_refuse_a_foreign_table(consumer, magic, major, size, needles, wrong):
    proc = run_python(FORGE.format(magic=magic, major=major, size=size, consumer=consumer))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.startswith("ImportError: capreg:"), out
    for needle in needles:
        assert needle in out, (needle, out)
    assert wrong not in out, out
