"""The fuzz campaign (tests/fuzz/campaign.py), seeded and bounded: what it must never find.

One run per session, shared by these tests.  Each test names what a phase
must never produce; a failure prints the falsifying example and its chunk's
seed (rerun with ``CWM_FUZZ_SEED``, or longer with ``scripts/fuzz.py``).
"""

from __future__ import annotations

from .campaign import Campaign


def _clean(found: list[str]) -> str:
    return "\n\n".join(found)


def test_every_lsp_request_is_answered_the_server_stays_up_and_documents_match_the_reference(
    campaign: Campaign,
) -> None:
    lsp = campaign.lsp
    assert lsp is not None
    assert lsp.violations == [], _clean(lsp.violations)
    assert lsp.process_alive and campaign.servers_alive
    assert lsp.examples >= 20, f"only {lsp.examples} episodes ran in the time budget"
    assert lsp.answered == lsp.requests
    assert lsp.text_checks >= lsp.examples  # every episode compared every open document
    # the malformed ones were refused with proper codes, not dropped
    assert lsp.codes["-32600"] > 0 and lsp.codes["-32602"] > 0 and lsp.codes["-32601"] > 0


def test_requests_before_initialize_and_after_shutdown_are_refused_and_exit_is_clean(
    campaign: Campaign,
) -> None:
    life = campaign.lifecycle
    assert life is not None
    assert life.violations == [], _clean(life.violations)
    assert life.examples == campaign.budget.lifecycle
    assert life.codes["-32002"] > 0 and life.codes["-32600"] > 0


def test_the_adapter_answers_every_request_in_both_modes_and_closes_on_disconnect(
    campaign: Campaign,
) -> None:
    assert [d.mode for d in campaign.dap] == ["imagine", "compare"]
    for dap in campaign.dap:
        assert dap.violations == [], _clean(dap.violations)
        assert dap.answered == dap.requests
        assert dap.examples >= 3, f"only {dap.examples} {dap.mode} connections in the time budget"
        assert dap.outcomes["sessions started"] > 0  # not only launches refused
    compare = campaign.dap[1]
    assert compare.outcomes["real runs started"] > 0  # debugpy really ran in compare mode


def test_noise_from_the_engine_never_breaks_the_formats_in_either_format(
    campaign: Campaign,
) -> None:
    seen = {(m.fmt, m.break_contract > 0) for m in campaign.model}
    assert seen == {("generic", False), ("cwm", False), ("generic", True), ("cwm", True)}
    for model in campaign.model:
        assert model.violations == [], _clean(model.violations)
        assert model.examples >= 5
    broken = [m for m in campaign.model if m.break_contract]
    assert sum(m.contract_breaks for m in broken) > 0  # the engine did break its promise


def test_nothing_started_the_real_tracer_or_debugpy_except_requests_for_real_execution(
    campaign: Campaign,
) -> None:
    """Every process a server started falls inside a request that asks for real execution
    (``cwm.runAndCompare``; a ``compare`` debug connection), at most one per request;
    nothing else started one, and the model phase started none."""
    assert campaign.unasked_starts() == []
    kinds = [s.kind for s in campaign.starts]
    # the requests for real execution did run: the audit sees what it must
    assert "debugpy" in kinds and "tracer" in kinds
    assert all(k in ("debugpy", "tracer", "model-host") for k in kinds)
