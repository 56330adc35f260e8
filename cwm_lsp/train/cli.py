"""``cwm-lsp model train`` and ``cwm-lsp model export-adapter``.

Registered by :mod:`cwm_lsp.commands.model` (as ``convert`` is), which passes
the resolver of the embedded default model: this room does not import the
model room.  Heavy imports (torch, transformers) happen when a command runs.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import Any

EXIT_BAD_INPUT = 2


def register(subparsers: Any, *, default_model: Callable[[], str]) -> None:
    train = subparsers.add_parser(
        "train",
        help="train a LoRA adapter for the generic prompt format on a corpus",
        description="Train a LoRA adapter on a corpus (`cwm-lsp corpus build`): the prompt and "
        "frame text inference uses, the loss on the tokens the model generates at inference. "
        "Checkpoints to OUT/checkpoint.pt; at the end writes OUT/adapter.gguf (a GGUF LoRA for "
        "`model.adapter`) and OUT/train.json.",
    )
    train.add_argument("--corpus", required=True, metavar="PATH", help="corpus JSONL file")
    train.add_argument("--out", required=True, metavar="DIR", help="run directory")
    train.add_argument(
        "--model", metavar="PATH", help="base GGUF (default: the embedded default model)"
    )
    # settings --resume may change: None when not given, so a resumed run keeps the
    # checkpoint's (RESUMED_DEFAULTS fills them in for a new run)
    train.add_argument("--steps", type=int, default=None, help="optimizer steps (default 1000)")
    train.add_argument(
        "--budget-minutes",
        type=float,
        default=None,
        metavar="M",
        help="stop (checkpointed, adapter exported) after M minutes of training; 0: no limit",
    )
    train.add_argument(
        "--stop-at-step",
        type=int,
        default=None,
        metavar="N",
        help="stop this run after step N (checkpointed; --resume goes on)",
    )
    train.add_argument("--rank", type=int, default=16, help="LoRA rank (default 16)")
    train.add_argument("--alpha", type=float, default=0.0, help="LoRA alpha (default 2 x rank)")
    train.add_argument(
        "--layers",
        default="all",
        help="decoder layers to adapt: all, last:N, or a list like 0,2,20-23 (default all)",
    )
    train.add_argument(
        "--targets", default="all", help="projections: all or a list of q,k,v,o,gate,up,down"
    )
    train.add_argument("--lr", type=float, default=2e-4, help="peak learning rate (default 2e-4)")
    train.add_argument("--seed", type=int, default=0, help="seed of the init and the data order")
    train.add_argument("--batch", type=int, default=4, help="examples per step (default 4)")
    train.add_argument("--warmup", type=int, default=20, help="warm-up steps (default 20)")
    train.add_argument(
        "--checkpoint-every",
        type=int,
        default=None,
        metavar="N",
        help="checkpoint every N steps (default 50)",
    )
    train.add_argument(
        "--fewshot",
        action="store_true",
        help="keep the worked examples at the head of the prompt (default: the header alone; "
        "the adapter records which, and inference builds the same prompt)",
    )
    train.add_argument(
        "--max-tokens", type=int, default=2048, help="leave out longer examples (default 2048)"
    )
    train.add_argument(
        "--holdout", type=int, default=-1, help="held-out examples (default 2 %%, at most 64)"
    )
    train.add_argument(
        "--threads", type=int, default=None, help="torch threads (default 0: every CPU)"
    )
    train.add_argument(
        "--device",
        default=None,
        help="torch device: cpu (default), cuda, cuda:N, mps, or auto (the first that this "
        "torch can use); --resume may change it",
    )
    train.add_argument(
        "--dtype", choices=("f16", "f32"), default=None, help="adapter tensors (default f16)"
    )
    train.add_argument(
        "--loss",
        choices=("generated", "all"),
        default="generated",
        help="tokens the loss counts: those generated at inference (default) or all (to compare)",
    )
    train.add_argument(
        "--resume",
        action="store_true",
        help="go on from OUT/checkpoint.pt with its settings, but for --steps, "
        "--checkpoint-every, --threads, --device and --dtype when given again (--budget-minutes "
        "and --stop-at-step are this run's own)",
    )
    train.set_defaults(func=lambda args: run_train(args, default_model))

    export = subparsers.add_parser(
        "export-adapter",
        help="write a training checkpoint's adapter as a GGUF LoRA",
        description="Write the adapter of a training checkpoint (OUT/checkpoint.pt or OUT) as a "
        "GGUF LoRA that llama.cpp applies at run time (`model.adapter`).",
    )
    export.add_argument("checkpoint", metavar="CHECKPOINT", help="checkpoint file or run directory")
    export.add_argument("--out", required=True, metavar="FILE", help="the GGUF to write")
    export.add_argument("--dtype", choices=("f16", "f32"), default="f16")
    export.set_defaults(func=run_export)


def _logging() -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(message)s")


#: argument name -> TrainOptions field, of the settings --resume may change (a new run
#: takes the field's default)
RESUMED_FIELDS = {
    "steps": "steps",
    "budget_minutes": "budget_minutes",
    "stop_at_step": "stop_at",
    "checkpoint_every": "checkpoint_every",
    "threads": "threads",
    "device": "device",
    "dtype": "export_dtype",
}


def run_train(args: argparse.Namespace, default_model: Callable[[], str]) -> int:
    from cwm_lsp.engine import ModelLoadError
    from cwm_lsp.train.base import TrainSetupError
    from cwm_lsp.train.trainer import TrainOptions, train

    _logging()
    # a time budget and a stop step are this invocation's own, given or not
    given = frozenset(
        field
        for name, field in RESUMED_FIELDS.items()
        if getattr(args, name) is not None or field in ("budget_minutes", "stop_at")
    )
    defaults = {f.name: f.default for f in fields(TrainOptions)}
    for name, field in RESUMED_FIELDS.items():
        if getattr(args, name) is None:
            setattr(args, name, defaults[field])
    try:
        model = args.model or default_model()
        options = TrainOptions(
            corpus=args.corpus,
            out=args.out,
            model=str(Path(model).expanduser()),
            steps=args.steps,
            budget_minutes=args.budget_minutes,
            stop_at=args.stop_at_step,
            rank=args.rank,
            alpha=args.alpha,
            layers=args.layers,
            targets=args.targets,
            lr=args.lr,
            seed=args.seed,
            batch=args.batch,
            warmup=args.warmup,
            checkpoint_every=args.checkpoint_every,
            fewshot=args.fewshot,
            max_tokens=args.max_tokens,
            holdout=args.holdout,
            threads=args.threads,
            device=args.device,
            export_dtype=args.dtype,
            loss=args.loss,
            resume=args.resume,
            overrides=given,
        )
        result = train(options)
    except (TrainSetupError, ModelLoadError, ValueError) as error:
        sys.stderr.write(f"cwm-lsp model train: {error}\n")
        return EXIT_BAD_INPUT
    sys.stdout.write(f"{result.adapter}\n")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from cwm_lsp.train.base import require_torch
    from cwm_lsp.train.export import export_checkpoint

    try:
        require_torch()
        path = export_checkpoint(args.checkpoint, args.out, dtype=args.dtype)
    except (OSError, ValueError, RuntimeError) as error:
        sys.stderr.write(f"cwm-lsp model export-adapter: {error}\n")
        return EXIT_BAD_INPUT
    sys.stdout.write(f"{path}\n")
    return 0
