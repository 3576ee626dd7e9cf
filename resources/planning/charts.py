"""The plan's coverage as a picture: per scene type and condition, the share of samples planned
to show it beside the scenario's target."""
from __future__ import annotations

import io


def target_png(rows: list[dict]) -> bytes:
    """Horizontal bars of the planned share on a grey track of the target, the target marked,
    and "k/n" on each bar; a zero share still shows its track and its label."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 1.4 + 0.45 * len(rows)), constrained_layout=True)  # 900 px wide at 90 dpi
    ys = list(range(len(rows)))
    ax.barh(ys, [r["target"] for r in rows], color="#eeeeee", edgecolor="#bbbbbb", label="target")
    met = ["#2e7d32" if r["short_by"] == 0 else "#f9a825" for r in rows]
    bars = ax.barh(ys, [r["planned_share"] for r in rows], height=0.5, color=met, label="planned share")
    ax.bar_label(bars, labels=[f"{r['samples_showing']}/{r['samples']}  ({r['planned_share']:.0%} of {r['target']:.0%})" for r in rows],
                 padding=4, fontsize=10)
    ax.scatter([r["target"] for r in rows], ys, marker="|", s=400, color="#333333", zorder=3)
    ax.set_yticks(ys, [f"{r['condition']} ({r['scene_type']})" for r in rows], fontsize=10)
    ax.invert_yaxis()
    ax.set_xlim(0, max([0.1] + [max(r["target"], r["planned_share"]) for r in rows]) * 1.6)
    ax.set_xlabel("share of samples (kept clips, accepted and pending variants)")
    ax.legend(loc="lower right", fontsize=9)
    ax.set_title("coverage after this plan, against the scenario's targets (| marks the target)")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return buf.getvalue()
