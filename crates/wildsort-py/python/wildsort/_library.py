"""Where libwildsort, the Python-free provider library of the `wildsort` API, is installed.

The entry point `wildsort = "wildsort._library:PATH"` (group `capreg.apis`) points here: the
capreg registry loads this file when a consumer first requests `wildsort`.

The file is named as the platform names a shared library that Rust builds from the crate
`wildsort` (a cdylib): `libwildsort.so` on Linux and the other ELF systems, `libwildsort.dylib`
on macOS, `wildsort.dll` on Windows. scripts/setup.sh asks `file_name()` which name to copy the
built library to.
"""

import os
import sys


def file_name(platform: str = sys.platform) -> str:
    """The library's file name on ``platform`` (a ``sys.platform`` value)."""
    if platform == "win32" or platform == "cygwin":
        return "wildsort.dll"
    if platform == "darwin":
        return "libwildsort.dylib"
    return "libwildsort.so"


PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), file_name())
