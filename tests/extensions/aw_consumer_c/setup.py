"""Build the C extension module of capreg-test-awconsumer (metadata lives in pyproject.toml)."""

import os

from setuptools import Extension, setup

HERE = os.path.dirname(os.path.abspath(__file__))
# The repository's capreg.h and generated awaitkit.h, found relative to this file.
HEADERS = os.path.normpath(os.path.join(HERE, "..", "..", "..", "headers"))

setup(
    ext_modules=[
        Extension(
            "capreg_test_awconsumer",
            sources=["capreg_test_awconsumer.c"],
            include_dirs=[HEADERS],
            define_macros=[("Py_LIMITED_API", "0x03090000")],
            py_limited_api=True,
            extra_compile_args=["-Wall", "-Wextra", "-Werror", "-std=c99"],
        ),
    ],
)
