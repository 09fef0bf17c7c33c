"""awaitkit: awaitables for C and Rust extension functions.

Native code builds an ``awaitkit.Awaitable`` through the C API ``awaitkit`` 1.0.0 (reached
through the capreg registry; see ``headers/awaitkit.h``): it queues steps -- await a Python
awaitable and run native callbacks on its result or error, run a deferred native step, or an
``async with`` block -- and returns the awaitable. Python code awaits it like any coroutine
under asyncio, trio or anyio: ``send``, ``throw`` and ``close`` reach the coroutine it awaits.
"""

from awaitkit._awaitkit import API_NAME, API_VERSION, Awaitable

__all__ = ["API_NAME", "API_VERSION", "Awaitable"]
__version__ = "1.0.0"
