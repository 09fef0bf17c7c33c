"""The registry extension (Rust). Use the public names re-exported by ``capreg``."""

from typing import Any, Dict, List, Optional, Tuple, final

__all__ = ["ABI_MAJOR", "ABI_MINOR", "ERROR_CODES", "Api", "Function", "_REGISTRY", "apis", "describe", "journal", "journal_seq", "request"]

ABI_MAJOR: int
ABI_MINOR: int
# Every error code: (code, C name, capreg exception class name, meaning), from capreg-abi's
# CAPREG_ERRORS; capreg._errors takes each class's `code` from it.
ERROR_CODES: Tuple[Tuple[int, str, str, str], ...]
# A PyCapsule named "capreg._REGISTRY" holding the C table (capreg.h, capreg_registry).
_REGISTRY: object

@final
class Function:
    """One function of a published API."""

    @property
    def name(self) -> str: ...
    @property
    def signature(self) -> str:
        """The canonical signature, e.g. ``fn(*mut i64, usize) -> i32``."""
    @property
    def since(self) -> str: ...
    @property
    def deprecated(self) -> bool: ...

@final
class Api:
    """A published API version."""

    @property
    def name(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def provider(self) -> str: ...
    @property
    def file(self) -> Optional[str]: ...
    @property
    def distribution(self) -> Optional[str]:
        """The installed distribution that ships the provider, or None when none can be found."""
    @property
    def requester(self) -> str: ...
    @property
    def functions(self) -> List[Function]: ...
    def address(self, name: str, signature: str) -> int:
        """The function's address, checked against ``signature`` (for ctypes or cffi)."""
    def to_dict(self) -> Dict[str, Any]: ...

def request(api: str, requirement: str, requester: str) -> Api: ...
def describe(api: str) -> List[Api]: ...
def apis(discover: bool = True) -> Tuple[List[Api], List[Tuple[str, str]]]: ...
def journal(since: int = 0) -> List[Dict[str, Any]]: ...
def journal_seq() -> int: ...
