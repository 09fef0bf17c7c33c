"""capreg: a registry through which Python extensions publish native C APIs to each other.

Providers publish named, semver-versioned APIs; consumers (C, Rust, PyO3 or Python through
ctypes/cffi) request each function by name and signature against a version requirement, and
get typed function pointers or one clear :class:`ResolutionError` (an ``ImportError``)::

    import capreg
    capreg.apis()                              # every published API
    capreg.describe("mathkit")                 # every published version of one API
    api = capreg.request("mathkit", "^1.2")    # the highest matching version
    api.address("add_i64", "fn(i64, i64) -> i64")

Importing this package is cheap (it imports nothing beyond its own modules, not even ``typing``):
discovery (``importlib.metadata``) runs only when a request needs a provider that is not
published yet.
"""

import sys

from capreg import _capreg
from capreg._capreg import ABI_MAJOR, ABI_MINOR, Api, Function
__version__ = "0.1.0"

TYPE_CHECKING = False
if TYPE_CHECKING:
    from capreg._errors import (
        AbiMismatchError,
        ApiNotFoundError,
        BadArgumentError,
        ConflictError,
        InternalError,
        MissingFunctionError,
        ProviderLoadError,
        ResolutionError,
        SignatureMismatchError,
        SubinterpreterError,
        VersionMismatchError,
    )

__all__ = [
    "ABI_MAJOR",
    "ABI_MINOR",
    "AbiMismatchError",
    "Api",
    "ApiNotFoundError",
    "BadArgumentError",
    "ConflictError",
    "Function",
    "InternalError",
    "MissingFunctionError",
    "ProviderLoadError",
    "ResolutionError",
    "SignatureMismatchError",
    "SubinterpreterError",
    "VersionMismatchError",
    "apis",
    "describe",
    "request",
]


def __getattr__(name: str) -> object:
    # The exception classes load on first use (PEP 562): a process in which nothing fails never
    # pays for defining them, and `import capreg` stays within its import-time budget.
    if name.endswith("Error") and name in __all__:
        from capreg import _errors

        return getattr(_errors, name)
    raise AttributeError(f"module 'capreg' has no attribute {name!r}")


def _caller_module(depth: int) -> str:
    try:
        return sys._getframe(depth + 1).f_globals.get("__name__") or "__main__"
    except (AttributeError, ValueError):  # no frames (some embedders)
        return "__main__"


def request(api: str, requirement: str, *, requester: "str | None" = None) -> Api:
    """The highest published version of ``api`` that satisfies ``requirement`` (``"^1.2"``,
    ``">=1.2, <3"``), importing its provider through the entry-point group ``capreg.apis`` if it
    is not published yet. ``requester`` (default: the calling module's name) is named in every
    error and warning. Raises a :class:`ResolutionError` subclass."""
    return _capreg.request(api, requirement, requester or _caller_module(1))


def describe(api: str) -> "list[Api]":
    """Every published version of ``api``, ascending (discovering its provider if needed)."""
    return _capreg.describe(api)


def apis(*, discover: bool = True) -> "list[Api]":
    """Every published API version. With ``discover`` (the default), every installed provider is
    imported first; one that fails to import is logged on the ``capreg`` logger and skipped."""
    found, failures = _capreg.apis(discover)
    if failures:
        import logging

        for name, why in failures:
            logging.getLogger("capreg").warning("provider of %r failed to load: %s", name, why)
    return found
