"""Build the example C extension (metadata lives in pyproject.toml).

capreg.h is header-only: it only needs to be on the include path. Here it is taken from this
repository's headers/ directory; a project of your own would vendor the header or get it from
the capreg package.
"""

import os

from setuptools import Extension, setup

HERE = os.path.dirname(os.path.abspath(__file__))
HEADERS = os.path.normpath(os.path.join(HERE, "..", "..", "headers"))

setup(
    ext_modules=[
        Extension(
            "capreg_example_c",
            sources=["capreg_example_c.c"],
            include_dirs=[HEADERS],
            # The stable ABI: the same binary serves CPython 3.9 to 3.13 and later.
            define_macros=[("Py_LIMITED_API", "0x03090000")],
            py_limited_api=True,
            extra_compile_args=["-Wall", "-Wextra", "-Werror", "-std=c99"],
        ),
    ],
)
