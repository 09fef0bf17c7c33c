"""Build the capreg_aw_bench extension (metadata lives in pyproject.toml).

Not the limited API: PyAwaitable's header refuses Py_LIMITED_API (`#error "Sorry, the limited
API cannot be used with PyAwaitable."`), and both libraries are measured from the same module,
built alike. The wheel is therefore tagged for the building interpreter only (cp311 under
benches/run.sh). Without pyawaitable importable at build time (pip --no-build-isolation), the
peer is left out: capreg_aw_bench.HAVE_PYAWAITABLE is False and the table shows "-".
"""

import os

from setuptools import Extension, setup

HERE = os.path.dirname(os.path.abspath(__file__))
# The repository's capreg.h and generated awaitkit.h, found relative to this file.
HEADERS = os.path.normpath(os.path.join(HERE, "..", "..", "headers"))

sources = ["capreg_aw_bench.c"]
include_dirs = [HEADERS]
define_macros = []
try:
    import pyawaitable
except ImportError:
    print("capreg_aw_bench: pyawaitable is not importable; building without the PyAwaitable peer")
else:
    sources.append("pyawaitable_peer.c")
    include_dirs.append(pyawaitable.include())
    define_macros.append(("AW_BENCH_HAVE_PYAWAITABLE", "1"))
    define_macros.append(("AW_BENCH_PYAWAITABLE_VERSION", '"%s"' % pyawaitable.__version__))

setup(
    ext_modules=[
        Extension(
            "capreg_aw_bench",
            sources=sources,
            include_dirs=include_dirs,
            define_macros=define_macros,
            # -O2 last, so it wins over whatever optimisation level Python was configured with.
            extra_compile_args=["-Wall", "-Wextra", "-Werror", "-std=gnu11", "-O2"],
        ),
    ],
)
