"""``cwm-lsp model calibrate``: fit a model's value calibration on traces of our own corpus.

The model predicts each real frame of the corpus's traces from the real
frames before it (teacher forcing, :mod:`cwm_lsp.model.teacher`); every value
it writes is checked against the real one; a logistic model from the value's
features (:func:`cwm_lsp.model.calibration.value_features`) to being right
is fitted with L2-regularised Newton steps.  The file goes beside the model
(``<model>.calibration.json``) or where ``--out`` says.  Fit it on a corpus
built by ``cwm-lsp corpus build``, never on CRUXEval rows: the dev set is
where the calibration is measured (``cwm-lsp eval``).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from cwm_lsp.evaluate.calibration import expected_calibration_error, raw_checks, reliability
from cwm_lsp.evaluate.metrics import ValueCheck
from cwm_lsp.evaluate.next_state import score_next_states
from cwm_lsp.model.calibration import FEATURES, SUFFIX, Calibration, fingerprint
from cwm_lsp.trace import Trace

log = logging.getLogger(__name__)
EXIT_BAD_INPUT = 2


def fit_weights(checks: Sequence[ValueCheck], l2: float = 1.0, steps: int = 50) -> list[float]:
    """Logistic-regression weights over the checks' features (Newton's method, L2 on all but
    the bias)."""
    usable = [c for c in checks if len(c.features) == len(FEATURES)]
    if len(usable) < 2:
        raise ValueError("too few values to fit a calibration")
    x = np.array([c.features for c in usable], dtype=np.float64)
    y = np.array([1.0 if c.correct else 0.0 for c in usable])
    w = np.zeros(x.shape[1])
    penalty = np.full(x.shape[1], l2)
    penalty[0] = 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ w, -40, 40)))
        gradient = x.T @ (p - y) + penalty * w
        hessian = (x * (p * (1 - p))[:, None]).T @ x + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if float(np.abs(step).max()) < 1e-8:
            break
    return [float(v) for v in w]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "calibrate",
        help="fit the model's value calibration on a corpus of our own traces",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--corpus", required=True, metavar="PATH", help="a corpus JSONL file")
    parser.add_argument("--model", metavar="PATH", help="a GGUF file (default: the default)")
    parser.add_argument("--adapter", metavar="PATH", help="a GGUF LoRA the model runs with")
    parser.add_argument(
        "--endpoint",
        metavar="URL",
        help="a server that hosts the model (llama-server; else CWM_LSP_ENDPOINT)",
    )
    parser.add_argument("--limit", type=int, default=0, metavar="N", help="only N rows")
    parser.add_argument("--out", metavar="PATH", help="where to write (default: beside the model)")
    parser.add_argument("--threads", type=int, default=0, metavar="N")
    parser.add_argument("--batch-threads", type=int, default=0, metavar="N")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from cwm_lsp.corpus.records import CorpusError, read_rows
    from cwm_lsp.model import ModelConfig, ModelLoadError, load_model

    try:
        rows = read_rows(args.corpus)
    except CorpusError as error:
        return _fail(str(error))
    if args.limit > 0:
        rows = rows[: args.limit]
    if not rows:
        return _fail(f"{args.corpus} has no rows")
    config = ModelConfig(
        path=args.model,
        n_threads=args.threads,
        n_threads_batch=args.batch_threads,
        adapter=args.adapter,
        endpoint=getattr(args, "endpoint", None) or None,
    )
    try:
        model = load_model(config)
    except ModelLoadError as error:
        return _fail(str(error))
    model.calibration = None  # fit on the model's own probabilities
    started = time.perf_counter()
    checks: list[ValueCheck] = []
    try:
        for n, row in enumerate(rows, start=1):
            real = Trace.from_json(row["trace"]).frames
            states = model.next_states(row["source"], row["function"], row["args"], real)
            checks += score_next_states(row["source"], real, states.predicted).checks
            sys.stderr.write(f"\rcalibrate: {n}/{len(rows)} rows, {len(checks)} values")
        sys.stderr.write("\n")
        weights = fit_weights(checks)
        info = model.info
        calibration = Calibration(
            weights=weights,
            model=fingerprint(info.path),
            adapter=fingerprint(info.adapter) if info.adapter else "",
            fitted_on={
                "corpus": Path(args.corpus).name,
                "rows": len(rows),
                "values": len(checks),
                "right": sum(c.correct for c in checks),
            },
        )
    finally:
        model.close()
    out = Path(args.out) if args.out else Path(info.path + SUFFIX)
    calibration.save(out)
    raw = expected_calibration_error(reliability(raw_checks(checks)))
    fitted = expected_calibration_error(reliability(_fitted(calibration, checks)))
    sys.stderr.write(
        f"calibrate: {len(checks)} values from {len(rows)} rows in "
        f"{time.perf_counter() - started:.0f} s; ECE on the corpus {_pct(raw)} raw, "
        f"{_pct(fitted)} calibrated; wrote {out}\n"
    )
    return 0


def _fitted(calibration: Calibration, checks: Sequence[ValueCheck]) -> list[ValueCheck]:
    return [ValueCheck(calibration.of_features(c.features), c.correct) for c in checks]


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def _fail(message: str) -> int:
    sys.stderr.write(f"cwm-lsp model calibrate: {message}\n")
    return EXIT_BAD_INPUT
