"""Fixtures of the fuzz campaign: the vocabularies behind the noise engine, the campaign itself.

The campaign runs once per session (about two and a half minutes on two
cores) with the CI budgets of :class:`~fuzz.campaign.Budget` and the seed
``CWM_FUZZ_SEED`` (default 20261201); ``CWM_FUZZ_SCALE`` multiplies the
budgets.  Every test of test_campaign.py reads its part of the one run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from .campaign import Budget, Campaign, run_campaign
from .noise_models import default_model_path, tiny_cwm_path
from .servers import FuzzServer, start_fuzz_server

SEED = int(os.environ.get("CWM_FUZZ_SEED", "20261201"))
SCALE = float(os.environ.get("CWM_FUZZ_SCALE", "1"))


@pytest.fixture(scope="session")
def vocabularies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """GGUF files whose vocabularies the noise engine speaks: "generic" and "cwm"."""
    pytest.importorskip("llama_cpp")
    from cwm_lsp.model import ModelLoadError

    try:
        generic = default_model_path()
    except ModelLoadError as error:
        pytest.skip(f"default model unavailable: {error}")
    return {"generic": generic, "cwm": tiny_cwm_path(tmp_path_factory.mktemp("tiny"))}


@pytest.fixture(scope="session")
def campaign(vocabularies: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Campaign:
    return run_campaign(
        tmp_path_factory.mktemp("campaign"),
        seed=SEED,
        budget=Budget().scaled(SCALE),
        vocabularies=vocabularies,
    )


@pytest.fixture(scope="module")
def fuzz_server(
    vocabularies: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FuzzServer]:
    """One initialized fuzz server process (noise model, audit log) for targeted tests."""
    server = start_fuzz_server(
        tmp_path_factory.mktemp("server"), fmt="generic", vocab=vocabularies["generic"]
    )
    server.initialize({"prediction": {"maxFrames": 8}})
    yield server
    server.stop()
