"""Translating debugpy's variables into the values a recorded real Frame holds.

debugpy shows a function's return value as a ``(return) name`` local
(``showReturnValue``) and the launcher's own names start with ``_cwm_``;
locals become plain name -> repr strings, exceptions ``Kind('message')``
as the imagined trace writes them.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from cwm_lsp.dap.client import DapClient, DapClosedError, DapRequestError
from cwm_lsp.dap.debugpy_process import RealSessionError

#: How debugpy names the return value of a function that just returned.
RETURN_PREFIX = "(return) "
#: Names the launcher defines; never shown as the function's locals.
LAUNCHER_PREFIX = "_cwm_"


@dataclass(frozen=True)
class FrameLocals:
    """A debugpy frame's locals, and the return values it shows by function name."""

    #: variablesReference of the frame's locals scope; None when it has no scopes
    reference: int | None
    values: dict[str, str]
    returns: dict[str, str]


def split_variables(variables: list[dict[str, Any]]) -> tuple[dict[str, str], dict[str, str]]:
    """(locals, return values by function name) of a debugpy ``variables`` list."""
    values: dict[str, str] = {}
    returns: dict[str, str] = {}
    for variable in variables:
        name = str(variable.get("name", ""))
        if name.startswith(RETURN_PREFIX):
            returns[name[len(RETURN_PREFIX) :]] = str(variable.get("value", ""))
        elif not name.startswith(LAUNCHER_PREFIX):
            values[name] = str(variable.get("value", ""))
    return values, returns


async def read_locals(client: DapClient, frame_id: int) -> FrameLocals:
    """The locals of a debugpy stack frame (its first scope)."""
    scopes = (await client.request("scopes", {"frameId": frame_id}))["scopes"]
    if not scopes:
        return FrameLocals(None, {}, {})
    reference = int(scopes[0]["variablesReference"])
    variables = (await client.request("variables", {"variablesReference": reference}))["variables"]
    values, returns = split_variables(variables)
    return FrameLocals(reference, values, returns)


async def exception_value(client: DapClient, thread_id: int) -> str:
    """The exception a thread stopped on, written ``Kind('description')``."""
    try:
        info = await client.request("exceptionInfo", {"threadId": thread_id})
    except DapRequestError:
        return "Exception()"
    kind = str(info.get("exceptionId", "Exception")).rsplit(".", 1)[-1]
    description = str(info.get("description", ""))
    return f"{kind}({description!r})" if description else f"{kind}()"


async def set_local(client: DapClient, reference: int, name: str, value: str) -> str:
    """Set ``name`` in a locals scope; returns debugpy's new value."""
    try:
        body = await client.request(
            "setVariable",
            {"variablesReference": reference, "name": name, "value": value},
        )
    except (DapRequestError, DapClosedError, TimeoutError, asyncio.TimeoutError) as exc:
        raise RealSessionError(str(exc)) from exc
    return str(body.get("value", value))
