"""Build the C extension modules of capreg-test-cprovider (metadata lives in pyproject.toml)."""

import os

from setuptools import Extension, setup

HERE = os.path.dirname(os.path.abspath(__file__))
# The repository's header-only capreg.h, found relative to this file.
HEADERS = os.path.normpath(os.path.join(HERE, "..", "..", "..", "headers"))
# capreg_test_helpers.h, shared with the other C test extension.
TEST_HELPERS = os.path.normpath(os.path.join(HERE, "..", "common"))

COMMON = dict(
    include_dirs=[HEADERS, TEST_HELPERS],
    define_macros=[("Py_LIMITED_API", "0x03090000")],
    py_limited_api=True,
    extra_compile_args=["-Wall", "-Wextra", "-Werror", "-std=c99"],
)

setup(
    ext_modules=[
        Extension(
            "capreg_test_cprovider.deep.nested._native",
            sources=["capreg_test_cprovider/deep/nested/_native.c"],
            **COMMON,
        ),
        Extension(
            "capreg_test_cprovider._tools",
            sources=["capreg_test_cprovider/_tools.c"],
            **COMMON,
        ),
    ],
)
