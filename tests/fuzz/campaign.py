"""The whole fuzz campaign: LSP, DAP in both modes, model output; budgets, seeds, the audit.

:func:`run_campaign` runs, in order and each within its budget of examples
and seconds:

1. *lifecycle*: fresh server processes, requests before ``initialize`` and
   after ``shutdown`` (:func:`~fuzz.lsp_fuzz.fuzz_lifecycle`);
2. *lsp*: episodes against one server process (:func:`~fuzz.lsp_fuzz.fuzz_lsp`);
3. *dap*: debug connections to that server's private endpoint, ``imagine``
   then ``compare`` (:func:`~fuzz.dap_fuzz.fuzz_dap`);
4. *model*: the formats over noise in this process, generic and native, the
   engine keeping its contract and breaking it (:func:`~fuzz.model_fuzz.fuzz_model_output`).

Every server records the processes it starts (an audit hook, see
fuzz_server.py); this process records its own during the model phase.
:meth:`Campaign.unasked_starts` lists every start that no request for real
execution explains: a real-tracer child outside a ``cwm.runAndCompare``
request, a debugpy outside a ``compare`` debug connection (one per session:
the launch and each ``restart``), anything else at all.

``tests/fuzz/test_campaign.py`` runs it with the CI budgets;
``scripts/fuzz.py`` runs it longer and writes ``docs/bench/fuzz.json``.
"""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from .dap_fuzz import PROGRAM, DapReport, fuzz_dap
from .lsp_fuzz import LspReport, RealWindow, fuzz_lifecycle, fuzz_lsp
from .model_fuzz import ModelReport, fuzz_model_output, summary
from .noise_models import noise_model
from .servers import FuzzServer, ProcessStart, start_fuzz_server

#: what a request for real execution may start, and how long after its answer
#: the start may be logged (the audit line is written as the process starts)
SLACK = 1.0


@dataclass(frozen=True)
class Budget:
    """Examples (and a cap in seconds) per phase; ``scale`` multiplies the examples."""

    lifecycle: int = 3
    lsp: int = 150
    dap_imagine: int = 12
    dap_compare: int = 6
    model_generic: int = 20
    model_cwm: int = 50
    model_broken: int = 10
    seconds_per_phase: float = 35.0

    def scaled(self, scale: float) -> Budget:
        return Budget(
            lifecycle=max(1, int(self.lifecycle * scale)),
            lsp=int(self.lsp * scale),
            dap_imagine=int(self.dap_imagine * scale),
            dap_compare=int(self.dap_compare * scale),
            model_generic=int(self.model_generic * scale),
            model_cwm=int(self.model_cwm * scale),
            model_broken=int(self.model_broken * scale),
            seconds_per_phase=self.seconds_per_phase * scale,
        )


@dataclass
class Campaign:
    seed: int
    budget: Budget
    lifecycle: LspReport | None = None
    lsp: LspReport | None = None
    dap: list[DapReport] = field(default_factory=list)
    model: list[ModelReport] = field(default_factory=list)
    #: processes each server started, and this process during the model phase
    starts: list[ProcessStart] = field(default_factory=list)
    in_process_starts: list[ProcessStart] = field(default_factory=list)
    servers_alive: bool = True
    seconds: float = 0.0

    @property
    def windows(self) -> list[RealWindow]:
        windows = list(self.lsp.real_windows if self.lsp else [])
        for report in self.dap:
            windows += report.real_windows
        return windows

    def unasked_starts(self) -> list[str]:
        """Process starts no request for real execution explains (empty: none)."""
        unexplained = [f"in the test process: {s.argv}" for s in self.in_process_starts]
        used: dict[int, int] = {}
        for start in self.starts:
            kind = start.kind
            if kind == "model-host":
                continue  # the model in its own process, not the user's code
            home = [
                i
                for i, w in enumerate(self.windows)
                if w.kind == kind and w.start <= start.time <= w.end + SLACK
            ]
            if kind == "other" or not home:
                unexplained.append(f"{kind} outside any request for real execution: {start.argv}")
                continue
            free = [i for i in home if used.get(i, 0) < self.windows[i].allowance]
            if not free:
                unexplained.append(
                    f"more {kind} starts than the requests for real execution explain: {start.argv}"
                )
                continue
            used[free[0]] = used.get(free[0], 0) + 1
        return unexplained

    def violations(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        if self.lifecycle is not None:
            found["lifecycle"] = self.lifecycle.violations
        if self.lsp is not None:
            found["lsp"] = self.lsp.violations
        for dap in self.dap:
            found[f"dap {dap.mode}"] = dap.violations
        for model in self.model:
            found[f"model {model.fmt} break={model.break_contract}"] = model.violations
        return found

    def to_json(self) -> dict[str, Any]:
        lsp = self.lsp or LspReport()
        life = self.lifecycle or LspReport()
        dap = {d.mode: d for d in self.dap}
        return {
            "seed": self.seed,
            "budget": self.budget.__dict__,
            "seconds": round(self.seconds, 1),
            "lsp": {
                "messages": lsp.messages + life.messages,
                "episodes": lsp.examples,
                "requests": lsp.requests + life.requests,
                "answered": lsp.answered + life.answered,
                "document_text_checks": lsp.text_checks,
                "answers_by_code": dict(lsp.codes + life.codes),
                "lifecycle_processes": life.examples,
                "real_execution_requests": len(lsp.real_windows),
                "crashes": 0 if self.servers_alive else 1,
                "violations": len(lsp.violations) + len(life.violations),
            },
            "dap": {
                mode: {
                    "messages": d.messages,
                    "connections": d.examples,
                    "requests": d.requests,
                    "answered": d.answered,
                    "outcomes": dict(d.outcomes),
                    "violations": len(d.violations),
                }
                for mode, d in dap.items()
            },
            "model": [summary(m) for m in self.model],
            "process_starts": {
                "debugpy": sum(s.kind == "debugpy" for s in self.starts),
                "tracer": sum(s.kind == "tracer" for s in self.starts),
                "other": sum(s.kind == "other" for s in self.starts),
                "unasked": len(self.unasked_starts()),
            },
        }


class _InProcessAudit:
    """Records processes this interpreter starts while ``recording`` (audit hooks stay for good)."""

    installed = False
    recording = False
    starts: ClassVar[list[ProcessStart]] = []
    lock = threading.Lock()

    @classmethod
    def install(cls) -> None:
        if cls.installed:
            return
        cls.installed = True

        def hook(event: str, args: tuple[Any, ...]) -> None:
            if cls.recording and event in (
                "subprocess.Popen",
                "os.posix_spawn",
                "os.exec",
                "os.system",
                "os.fork",
            ):
                with cls.lock:
                    cls.starts.append(
                        ProcessStart(event, [repr(a)[:200] for a in args[:2]], time.time())
                    )

        sys.addaudithook(hook)


def run_campaign(
    folder: Path, *, seed: int, budget: Budget, vocabularies: dict[str, str]
) -> Campaign:
    """Everything, in order; ``vocabularies`` maps "generic" and "cwm" to GGUF paths."""
    from dap.programs import TOTAL, total_trace  # the DAP tests' recorded real trace

    started = time.monotonic()
    campaign = Campaign(seed, budget)
    cap = budget.seconds_per_phase
    servers: list[FuzzServer] = []

    def fresh() -> FuzzServer:
        server = start_fuzz_server(
            folder / f"lifecycle-{len(servers)}",
            fmt="generic",
            vocab=vocabularies["generic"],
            seed=seed,
        )
        servers.append(server)
        return server

    campaign.lifecycle = fuzz_lifecycle(
        fresh, seed_value=seed, examples=budget.lifecycle, requests=6
    )
    server = start_fuzz_server(
        folder / "server", fmt="generic", vocab=vocabularies["generic"], seed=seed
    )
    servers.append(server)
    try:
        server.initialize({"prediction": {"maxFrames": 12}})
        campaign.lsp = fuzz_lsp(server, seed_value=seed, examples=budget.lsp, seconds=cap)
        program = folder / "program.py"
        program.write_text(PROGRAM, encoding="utf-8")
        for mode, examples in (("imagine", budget.dap_imagine), ("compare", budget.dap_compare)):
            if server.client.alive():
                campaign.dap.append(
                    fuzz_dap(
                        server, program, mode=mode, seed_value=seed, examples=examples, seconds=cap
                    )
                )
        campaign.servers_alive = server.client.alive()
    finally:
        server.stop()
        for each in servers:
            campaign.starts += each.process_starts()
    _InProcessAudit.install()
    _InProcessAudit.starts.clear()
    _InProcessAudit.recording = True
    try:
        real = (TOTAL, total_trace())
        for fmt, examples, broken in (
            ("generic", budget.model_generic, 0.0),
            ("cwm", budget.model_cwm, 0.0),
            ("generic", budget.model_broken, 0.2),
            ("cwm", budget.model_broken * 2, 0.2),
        ):
            model = noise_model(fmt, vocabularies[fmt], seed=seed, break_contract=broken)  # type: ignore[arg-type]
            campaign.model.append(
                fuzz_model_output(
                    model, real, fmt=fmt, seed_value=seed, examples=examples, seconds=cap
                )
            )
    finally:
        _InProcessAudit.recording = False
        campaign.in_process_starts = list(_InProcessAudit.starts)
    campaign.seconds = time.monotonic() - started
    return campaign
