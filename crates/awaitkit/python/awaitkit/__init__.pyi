from collections.abc import Coroutine, Generator
from types import TracebackType
from typing import Any, final

__all__ = ["API_NAME", "API_VERSION", "Awaitable"]
__version__: str
API_NAME: str
API_VERSION: str

@final
class Awaitable(Coroutine[Any, Any, Any]):
    """Made by native code through the awaitkit C API; not constructible from Python."""

    def __await__(self) -> Generator[Any, Any, Any]: ...
    def __next__(self) -> Any: ...
    def send(self, value: Any, /) -> Any: ...
    def throw(
        self,
        typ: type[BaseException] | BaseException,
        val: BaseException | object = None,
        tb: TracebackType | None = None,
        /,
    ) -> Any: ...
    def close(self) -> None: ...
