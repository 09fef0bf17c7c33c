"""The exceptions capreg raises: one ``ResolutionError`` (an ``ImportError``) per failure kind.

The registry (``capreg._capreg``) builds them; each carries what its message names. Which class
goes with which code is one list, capreg-abi's ``CAPREG_ERRORS``: the registry exports it as
``_capreg.ERROR_CODES``, and each class below takes its ``code`` from there.
"""

from capreg._capreg import ERROR_CODES as _ERROR_CODES

TYPE_CHECKING = False  # typing is not imported at run time: it would double import time
if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "ResolutionError",
    "ApiNotFoundError",
    "VersionMismatchError",
    "MissingFunctionError",
    "SignatureMismatchError",
    "ConflictError",
    "BadArgumentError",
    "AbiMismatchError",
    "SubinterpreterError",
    "ProviderLoadError",
    "InternalError",
]


class ResolutionError(ImportError):
    """A request, import table or publication that capreg refused.

    Attributes: ``code`` (a ``CAPREG_ERR_*`` of capreg.h), ``api``, ``requirement``,
    ``requester`` (the consumer), ``provider`` (module or library), ``found_version``, ``file``,
    ``functions`` (every function concerned), ``missing`` and ``mismatched``
    (``(name, wanted, found)`` signature triples). ``name`` and ``path`` are ImportError's own:
    the provider module and its file.
    """

    code: int = 0

    def __init__(
        self,
        message: str,
        *,
        code: "int | None" = None,
        api: "str | None" = None,
        requirement: "str | None" = None,
        requester: "str | None" = None,
        provider: "str | None" = None,
        found_version: "str | None" = None,
        file: "str | None" = None,
        functions: "Sequence[str]" = (),
        missing: "Sequence[str]" = (),
        mismatched: "Sequence[tuple[str, str, str]]" = (),
    ) -> None:
        super().__init__(message, name=provider, path=file)
        if code is not None:
            self.code = code
        self.api = api
        self.requirement = requirement
        self.requester = requester
        self.provider = provider
        self.found_version = found_version
        self.file = file
        self.functions = list(functions)
        self.missing = list(missing)
        self.mismatched = [tuple(m) for m in mismatched]

    def __reduce__(self):  # keep attributes across pickling (multiprocessing, pytest-xdist)
        return (_rebuild, (type(self), self.msg, self.__dict__.copy()))


def _rebuild(cls, message, state):
    error = cls.__new__(cls)
    ResolutionError.__init__(error, message)
    error.__dict__.update(state)
    return error


class ApiNotFoundError(ResolutionError):
    """No provider publishes the API, even after discovery."""


class VersionMismatchError(ResolutionError):
    """The API is published, but no version satisfies the requirement."""


class MissingFunctionError(ResolutionError):
    """Required functions are absent (mismatched ones, if any, are listed too)."""


class SignatureMismatchError(ResolutionError):
    """Functions exist with other signatures."""


class ConflictError(ResolutionError):
    """Another provider owns that API name and major version, or the publisher is not the
    provider it names: its code is not in that provider's file, or an entry point of group
    ``capreg.apis`` gives the name to another provider."""


class BadArgumentError(ResolutionError, ValueError):
    """A malformed name, version, requirement or signature."""


class AbiMismatchError(ResolutionError):
    """A table or declaration built against another capreg ABI."""


class InternalError(ResolutionError):
    """A bug in capreg."""


class SubinterpreterError(ResolutionError):
    """capreg was used from a subinterpreter."""


class ProviderLoadError(ResolutionError):
    """Discovery found a provider, but importing or loading it failed."""


def _take_codes() -> None:
    # tests/test_error_codes.py checks that every code has its class here and every class a code.
    for code, _c_name, class_name, _meaning in _ERROR_CODES:
        cls = globals().get(class_name)
        if isinstance(cls, type) and issubclass(cls, ResolutionError):
            cls.code = code


_take_codes()
