"""PNG plots of a run (matplotlib, Agg backend): accuracy by trace length,
where traces first diverge, the reliability diagrams of value confidence
(free-running; next-state before and after calibration), and the
risk–coverage curves of showing only values above a threshold."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cwm_lsp.evaluate.calibration import expected_calibration_error
from cwm_lsp.evaluate.runner import RowResult
from cwm_lsp.evaluate.summary import Summary

#: Upper bounds (inclusive) of the real-trace-length bins.
LENGTH_BINS: tuple[int, ...] = (5, 10, 20, 40, 80)

ACCURACY_BY_LENGTH = "accuracy_by_length.png"
DIVERGENCE_HISTOGRAM = "first_divergence.png"
RELIABILITY = "calibration.png"
NEXT_STATE_RELIABILITY = "next_state_calibration.png"
RISK_COVERAGE = "risk_coverage.png"


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


def _reliability_bars(ax: Any, filled: Sequence[Any], label: str | None = None) -> None:
    """One bar per filled bucket at its fraction right, its count above it; axes 0..1."""
    if filled:
        ax.bar(
            [(b.low + b.high) / 2 for b in filled],
            [b.accuracy for b in filled],
            width=[b.high - b.low for b in filled],
            edgecolor="black",
            alpha=0.7,
            label=label,
        )
        for b in filled:
            ax.text((b.low + b.high) / 2, b.accuracy + 0.02, str(b.count), ha="center", fontsize=7)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.08)


def plot_reliability(summary: Summary, path: Path) -> Path:
    plt = _pyplot()
    buckets = [b for b in summary.buckets if b.count]
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration")
    _reliability_bars(ax, buckets, label="fraction right")
    ece = "n/a" if summary.ece is None else f"{summary.ece:.3f}"
    ax.set_xlabel("confidence the model gave a value")
    ax.set_ylabel("fraction of values right")
    ax.set_title(f"Calibration of value confidence (ECE {ece})")
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_next_state_reliability(summary: Summary, path: Path) -> Path:
    """Next-state value confidence before (the model's own) and after calibration."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(9, 4.5), sharey=True)
    panels = (
        ("the model's own probability", summary.next_state_raw_buckets),
        ("calibrated", summary.next_state_buckets),
    )
    for ax, (title, buckets) in zip(axes, panels, strict=True):
        ece = expected_calibration_error(list(buckets))
        ax.plot([0, 1], [0, 1], linestyle="--", color="grey")
        _reliability_bars(ax, [b for b in buckets if b.count])
        ax.set_xlabel("confidence of a next-state value")
        ax.set_title(f"{title} (ECE {'n/a' if ece is None else f'{ece:.3f}'})", fontsize=10)
    axes[0].set_ylabel("fraction of values right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_risk_coverage(summary: Summary, path: Path) -> Path:
    """Accuracy of the values shown against the fraction shown, threshold by threshold."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    for label, points in (
        ("next state (from the true state)", summary.next_state_coverage),
        ("free-running trace", summary.coverage),
    ):
        kept = [p for p in points if p.accuracy is not None and p.shown]
        if kept:
            ax.plot([p.coverage for p in kept], [p.accuracy for p in kept], marker="o", label=label)
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("fraction of values shown (confidence at or above the threshold)")
    ax.set_ylabel("fraction of shown values right")
    ax.set_title("Risk–coverage of predicted values")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8, loc="lower left")
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
        plot_next_state_reliability(summary, out_dir / NEXT_STATE_RELIABILITY),
        plot_risk_coverage(summary, out_dir / RISK_COVERAGE),
    ]
