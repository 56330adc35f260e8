"""Fixtures for the training tests: the tiny Qwen2 GGUF, a five-row corpus, one short run.

Everything here is built once per test session.  Tests that need torch,
transformers and accelerate (the ``train`` extra) or llama-cpp-python are
skipped with the reason when those are not installed.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from train.tiny_qwen2 import write_tiny_qwen2

TRAIN_EXTRA = ("torch", "transformers", "accelerate", "gguf")


def _missing(modules: tuple[str, ...]) -> list[str]:
    return [m for m in modules if importlib.util.find_spec(m) is None]


def require_train_extra() -> None:
    missing = _missing(TRAIN_EXTRA)
    if missing:
        pytest.skip(
            f"needs the train extra ({', '.join(missing)} missing): pip install -e '.[train]'"
        )


def require_llama_cpp() -> None:
    if _missing(("llama_cpp",)):
        pytest.skip("needs llama-cpp-python (llama.cpp) installed")


@pytest.fixture(scope="session")
def tiny_qwen2(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny random Qwen2 GGUF (tests/train/tiny_qwen2.py)."""
    if _missing(("gguf",)):
        pytest.skip("needs the gguf package")
    return write_tiny_qwen2(tmp_path_factory.mktemp("tiny-qwen2") / "tiny-qwen2.gguf")


@pytest.fixture(scope="session")
def tiny_vocab(tiny_qwen2: Path) -> Any:
    """The tiny model's vocabulary, as llama.cpp tokenizes (no weights)."""
    require_llama_cpp()
    from cwm_lsp.engine.llama_loader import open_vocabulary

    return open_vocabulary(str(tiny_qwen2))


@pytest.fixture(scope="session")
def tiny_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Five generated, really traced rows (``cwm_lsp.corpus``)."""
    from cwm_lsp.corpus.build import BuildOptions, build

    out = tmp_path_factory.mktemp("corpus") / "corpus.jsonl"
    summary = build(BuildOptions(seed=0, count=5, out=out))
    assert summary.rows >= 4, summary
    return out


@pytest.fixture(scope="session")
def tiny_run(tiny_qwen2: Path, tiny_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Three steps of a rank-2 adapter on one layer of the tiny model, exported in f32.

    The learning rate is high on purpose: three steps must move the logits visibly.
    """
    require_train_extra()
    require_llama_cpp()
    from cwm_lsp.train.trainer import TrainOptions, train

    options = TrainOptions(
        corpus=str(tiny_corpus),
        out=str(tmp_path_factory.mktemp("run")),
        model=str(tiny_qwen2),
        steps=3,
        rank=2,
        layers="1",
        lr=5e-2,
        batch=2,
        warmup=1,
        checkpoint_every=2,
        holdout=1,
        threads=2,
        export_dtype="f32",
    )
    return options, train(options)
