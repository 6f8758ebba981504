"""Progress plot of the history: hold times, repetitions and pain reports per week."""

from __future__ import annotations

from pathlib import Path

from posecheck.history.db import WeekSummary


def plot_progress(weeks: list[WeekSummary], out: str | Path, title: str = "posecheck") -> Path:
    """Write a PNG/SVG/PDF (by suffix) with one line per exercise; returns the path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(out)
    labels = sorted({w.week for w in weeks})
    exercises = sorted({w.exercise_id for w in weeks if w.exercise_id != "-"})
    fig, axes = plt.subplots(3, 1, figsize=(8, 8), sharex=True)
    x = list(range(len(labels)))
    for exercise in exercises:
        rows = {w.week: w for w in weeks if w.exercise_id == exercise}
        holds = [rows[k].mean_hold_s if k in rows and rows[k].mean_hold_s is not None
                 else float("nan") for k in labels]
        reps = [rows[k].completed_reps if k in rows else 0 for k in labels]
        axes[0].plot(x, holds, marker="o", label=exercise)
        axes[1].plot(x, reps, marker="o", label=exercise)
    pains = [sum(w.pains for w in weeks if w.week == k) for k in labels]
    axes[2].bar(x, pains, color="#d62728")
    axes[0].set_ylabel("mean hold (s)")
    axes[1].set_ylabel("completed reps")
    axes[2].set_ylabel("pain reports")
    axes[2].set_xticks(x, labels, rotation=30)
    if exercises:
        axes[0].legend(fontsize="small")
    fig.suptitle(title)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    plt.close(fig)
    return out
