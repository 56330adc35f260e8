"""Process-tree checks for the fault tests: which model hosts run under a process, and are they gone."""

from __future__ import annotations

import os
import time

import psutil  # type: ignore[import-untyped]

HOST_MODULE = "cwm_lsp.host.child"


def is_host(process: psutil.Process) -> bool:
    try:
        return HOST_MODULE in process.cmdline() and process.status() != psutil.STATUS_ZOMBIE
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return False


def hosts_under(pid: int | None = None) -> list[psutil.Process]:
    """The live model hosts among the descendants of ``pid`` (this process by default)."""
    try:
        root = psutil.Process(pid if pid is not None else os.getpid())
        children = root.children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    return [p for p in children if is_host(p)]


def live_descendants(pid: int) -> list[psutil.Process]:
    try:
        children = psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    alive = []
    for child in children:
        try:
            if child.status() != psutil.STATUS_ZOMBIE:
                alive.append(child)
        except psutil.NoSuchProcess:
            continue
    return alive


def still_running(pids: list[int], timeout: float = 5.0) -> list[int]:
    """Those of ``pids`` still running (not zombies) after up to ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        left = []
        for pid in pids:
            try:
                if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                    left.append(pid)
            except psutil.NoSuchProcess:
                continue
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


def wait_for(predicate: object, timeout: float, what: str, interval: float = 0.05) -> None:
    assert callable(predicate)
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)
