"""Finding and ending the processes a compare session started (Linux /proc; killpg elsewhere)."""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path

ProcessId = tuple[int, str]  # (pid, start time): survives pid reuse


def _stat(pid: int) -> tuple[int, str] | None:
    """(parent pid, start time) of a live process."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    if fields[0] == "Z":
        return None
    return int(fields[1]), fields[19]


def identify(pid: int) -> ProcessId | None:
    stat = _stat(pid)
    return None if stat is None else (pid, stat[1])


def descendants(root: int) -> list[ProcessId]:
    """Every live process below ``root`` (empty where /proc is missing)."""
    proc = Path("/proc")
    if not proc.is_dir():
        return []
    children: dict[int, list[ProcessId]] = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        stat = _stat(int(entry.name))
        if stat is not None:
            children.setdefault(stat[0], []).append((int(entry.name), stat[1]))
    found: list[ProcessId] = []
    stack = [root]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child[0])
    return found


def is_alive(process: ProcessId) -> bool:
    stat = _stat(process[0])
    return stat is not None and stat[1] == process[1]


def kill(processes: list[ProcessId]) -> None:
    """SIGKILL each process that is still the same process, and its process group if it leads one."""
    for process in processes:
        if not is_alive(process):
            continue
        pid = process[0]
        with contextlib.suppress(OSError):
            if os.getpgid(pid) == pid:
                os.killpg(pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
