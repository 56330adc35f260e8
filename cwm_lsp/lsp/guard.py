"""Handlers never take the server down: an exception is logged (once per kind) and
the handler answers with an empty result."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar, cast

from pygls.exceptions import JsonRpcException

log = logging.getLogger("cwm_lsp.lsp")
F = TypeVar("F", bound=Callable[..., Any])
_seen: set[tuple[str, str]] = set()


def _report(name: str, exc: BaseException) -> None:
    key = (name, type(exc).__name__)
    if key in _seen:
        log.debug("%s failed again: %r", name, exc)
        return
    _seen.add(key)
    log.exception("%s failed: %r", name, exc)


def guarded(default: Callable[[], Any] = lambda: None) -> Callable[[F], F]:
    """Catch and log any exception of the handler, answering ``default()``."""

    def decorate(fn: F) -> F:
        name = fn.__name__
        if asyncio.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                try:
                    return await fn(*args, **kwargs)
                except JsonRpcException:
                    raise  # a deliberate error answer, e.g. a refused command
                except Exception as exc:
                    _report(name, exc)
                    return default()

            return cast(F, run_async)

        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except JsonRpcException:
                raise
            except Exception as exc:
                _report(name, exc)
                return default()

        return cast(F, run)

    return decorate
