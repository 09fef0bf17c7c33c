"""Build the capreg_bench extension (metadata lives in pyproject.toml)."""

import os
import runpy

from setuptools import Extension, setup

HERE = os.path.dirname(os.path.abspath(__file__))
# The repository's header-only capreg.h, found relative to this file.
HEADERS = os.path.normpath(os.path.join(HERE, "..", "..", "headers"))

# The 300-function provider is generated, not checked in (see gen_api300.py).
runpy.run_path(os.path.join(HERE, "gen_api300.py"))["write"](os.path.join(HERE, "api300_gen.c"))

setup(
    ext_modules=[
        Extension(
            "capreg_bench",
            sources=["capreg_bench.c", "provider.c", "api300_gen.c"],
            include_dirs=[HEADERS, HERE],
            define_macros=[("Py_LIMITED_API", "0x03090000")],
            py_limited_api=True,
            # -O2 last, so it wins over whatever optimisation level Python was configured with.
            extra_compile_args=["-Wall", "-Wextra", "-Werror", "-std=gnu99", "-O2"],
        ),
    ],
)
