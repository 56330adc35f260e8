"""PNG plots of a run (matplotlib, Agg backend): accuracy by trace length,
where traces first diverge, and the reliability diagram of value confidence."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cwm_lsp.evaluate.runner import RowResult
from cwm_lsp.evaluate.summary import Summary

#: Upper bounds (inclusive) of the real-trace-length bins.
LENGTH_BINS: tuple[int, ...] = (5, 10, 20, 40, 80)

ACCURACY_BY_LENGTH = "accuracy_by_length.png"
DIVERGENCE_HISTOGRAM = "first_divergence.png"
RELIABILITY = "calibration.png"


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def length_bin(length: int, bins: Sequence[int] = LENGTH_BINS) -> str:
    low = 1
    for high in bins:
        if length <= high:
            return f"{low}–{high}"
        low = high + 1
    return f"{low}+"


def bin_labels(bins: Sequence[int] = LENGTH_BINS) -> list[str]:
    labels: list[str] = []
    low = 1
    for high in bins:
        labels.append(f"{low}–{high}")
        low = high + 1
    labels.append(f"{low}+")
    return labels


def accuracy_by_length(results: Sequence[RowResult]) -> dict[str, dict[str, list[float]]]:
    """label -> {"trace": [...], "direct": [...], "frames": [...]} per real-trace-length bin."""
    table: dict[str, dict[str, list[float]]] = {
        label: {"trace": [], "direct": [], "frames": []} for label in bin_labels()
    }
    for result in results:
        if result.real is None:
            continue
        cell = table[length_bin(len(result.real.frames))]
        if result.trace is not None:
            cell["trace"].append(float(result.trace.correct))
        if result.direct is not None:
            cell["direct"].append(float(result.direct.correct))
        if result.scores is not None:
            cell["frames"].append(result.scores.frame_accuracy)
    return table


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def plot_accuracy_by_length(results: Sequence[RowResult], path: Path) -> Path:
    plt = _pyplot()
    table = accuracy_by_length(results)
    labels = list(table)
    counts = [max(len(table[k]["trace"]), len(table[k]["direct"])) for k in labels]
    xs = range(len(labels))
    width = 0.27
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.bar(
        [x - width for x in xs],
        [_mean(table[k]["trace"]) for k in labels],
        width,
        label="output via trace",
    )
    ax.bar(
        list(xs),
        [_mean(table[k]["direct"]) for k in labels],
        width,
        label="output, direct baseline",
    )
    ax.bar(
        [x + width for x in xs],
        [_mean(table[k]["frames"]) for k in labels],
        width,
        label="per-frame state accuracy",
    )
    ax.set_xticks(list(xs))
    ax.set_xticklabels([f"{k}\n(n={n})" for k, n in zip(labels, counts, strict=True)])
    ax.set_xlabel("real trace length (frames)")
    ax.set_ylabel("accuracy")
    ax.set_ylim(0, 1)
    ax.set_title("Accuracy by trace length")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_first_divergence(results: Sequence[RowResult], path: Path) -> Path:
    plt = _pyplot()
    steps = [
        r.scores.first_divergence
        for r in results
        if r.scores is not None and r.scores.first_divergence is not None
    ]
    identical = sum(
        1 for r in results if r.scores is not None and r.scores.first_divergence is None
    )
    fig, ax = plt.subplots(figsize=(7, 4))
    top = max(steps, default=0)
    ax.hist(steps, bins=range(0, top + 2), color="tab:red", edgecolor="white", align="left")
    ax.set_xlabel("step of the first divergence from the real trace")
    ax.set_ylabel("rows")
    ax.set_title(f"Where imagined traces first diverge ({identical} identical)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_reliability(summary: Summary, path: Path) -> Path:
    plt = _pyplot()
    buckets = [b for b in summary.buckets if b.count]
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration")
    if buckets:
        ax.bar(
            [(b.low + b.high) / 2 for b in buckets],
            [b.accuracy for b in buckets],
            width=[b.high - b.low for b in buckets],
            edgecolor="black",
            alpha=0.7,
            label="fraction right",
        )
        for b in buckets:
            ax.text((b.low + b.high) / 2, b.accuracy + 0.02, str(b.count), ha="center", fontsize=7)
    ece = "n/a" if summary.ece is None else f"{summary.ece:.3f}"
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.08)
    ax.set_xlabel("confidence the model gave a value")
    ax.set_ylabel("fraction of values right")
    ax.set_title(f"Calibration of value confidence (ECE {ece})")
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_plots(results: Sequence[RowResult], summary: Summary, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    return [
        plot_accuracy_by_length(results, out_dir / ACCURACY_BY_LENGTH),
        plot_first_divergence(results, out_dir / DIVERGENCE_HISTOGRAM),
        plot_reliability(summary, out_dir / RELIABILITY),
    ]
