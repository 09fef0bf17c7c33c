"""Build the C extension module of capreg-test-cconsumer (metadata lives in pyproject.toml)."""

import os

from setuptools import Extension, setup

HERE = os.path.dirname(os.path.abspath(__file__))
# The repository's header-only capreg.h, found relative to this file.
HEADERS = os.path.normpath(os.path.join(HERE, "..", "..", "..", "headers"))
# capreg_test_helpers.h, shared with the other C test extension.
TEST_HELPERS = os.path.normpath(os.path.join(HERE, "..", "common"))

setup(
    ext_modules=[
        Extension(
            "capreg_test_cconsumer",
            sources=["capreg_test_cconsumer.c"],
            include_dirs=[HEADERS, TEST_HELPERS],
            define_macros=[("Py_LIMITED_API", "0x03090000")],
            py_limited_api=True,
            extra_compile_args=["-Wall", "-Wextra", "-Werror", "-std=c99"],
        ),
    ],
)
