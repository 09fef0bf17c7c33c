from typing import Any, Callable, Iterable, List, Optional, TypeVar

_T = TypeVar("_T")

__all__ = ["sort"]
__version__: str

def sort(iterable: Iterable[_T], /, *, key: Optional[Callable[[_T], Any]] = None, reverse: bool = False) -> List[_T]: ...
