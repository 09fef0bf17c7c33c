"""Where libwildsort, the Python-free provider library of the `wildsort` API, is installed.

The entry point `wildsort = "wildsort._library:PATH"` (group `capreg.apis`) points here: the
capreg registry loads this file when a consumer first requests `wildsort`.
"""

import os

PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "libwildsort.so")
