"""The audit's report: a terminal summary, ``audit.md``, ``audit.html`` with a plot, ``audit.json``."""
from __future__ import annotations

import html
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from . import Audit, analysis


@dataclass(frozen=True)
class Thresholds:
    min_kill: float = 0.9  # killed / all mutants
    max_unrecorded: int = 0  # survivors without a reason in audit.toml
    max_collateral: float = 0.0
    max_free: float = 0.0
    max_false: int = 0


def problems(audit: Audit, limits: Thresholds) -> list[str]:
    """Each threshold missed, in words (empty: the audit passes)."""
    out = [f"the reference itself loses points: {audit.baseline}"] if audit.baseline else []
    share = analysis.killed_share(audit.mutants)
    if share is not None and share < limits.min_kill:
        out.append(f"{share:.1%} of the mutants killed ({sum(v.killed for v in audit.mutants)} of "
                   f"{len(audit.mutants)}), below {limits.min_kill:.0%}")
    alive = analysis.unrecorded(audit.mutants)
    if len(alive) > limits.max_unrecorded:
        out.append(f"{len(alive)} surviving mutants have no reason in audit.toml (allowed "
                   f"{limits.max_unrecorded}): each is a missing test or needs a recorded reason")
    if audit.collateral_points > limits.max_collateral:
        out.append(f"{audit.collateral_points:g} collateral points (allowed {limits.max_collateral:g})")
    if audit.free_points > limits.max_free:
        out.append(f"lazy variants earn {audit.free_points:g} free points (allowed {limits.max_free:g})")
    if len(audit.false) > limits.max_false:
        out.append(f"{len(audit.false)} false failures of correct submissions "
                   f"(allowed {limits.max_false})")
    if audit.unmapped:
        out.append("no task grades " + ", ".join(audit.unmapped) + " (add them to audit.toml [functions])")
    return out


def _rows(audit: Audit) -> list[list[str]]:
    rows = []
    for s in analysis.summarize(audit.mutants, audit.tasks):
        rows.append([s.function, ",".join(s.tasks) or "-", str(s.mutants), str(s.killed),
                     str(s.equivalent), str(s.survivors),
                     "-" if s.score is None else f"{s.score:.0%}", f"{s.collateral_points:g}"])
    return rows


HEADER = ["function", "task", "mutants", "killed", "equivalent", "survivors", "score", "collateral"]


def _table_md(header, rows) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in rows]
    return "\n".join(lines)


def summary_text(audit: Audit, limits: Thresholds) -> str:
    rate = analysis.kill_rate(audit.mutants)
    widths = [max(len(h), *(len(r[i]) for r in _rows(audit))) if audit.mutants else len(h)
              for i, h in enumerate(HEADER)]
    lines = [f"audit of {audit.exercise}: {audit.gradings} gradings in {audit.seconds:.0f} s "
             f"({60 * audit.gradings / max(audit.seconds, 1e-9):.1f} per minute)"]
    if audit.mutants:
        lines.append("  ".join(h.ljust(w) for h, w in zip(HEADER, widths)))
        lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in _rows(audit)]
        lines.append(f"killed {sum(v.killed for v in audit.mutants)} of {len(audit.mutants)} mutants "
                     f"({analysis.killed_share(audit.mutants):.1%}; mutation score {rate:.1%} without the "
                     f"{sum(bool(v.equivalent) and not v.killed for v in audit.mutants)} recorded equivalent"
                     + (f"; {sum(v.carried for v in audit.mutants)} killed in an earlier audit, "
                        "not graded again" if any(v.carried for v in audit.mutants) else "")
                     + f"); collateral points {audit.collateral_points:g}")
    if audit.free:
        lines.append(f"lazy variants: {audit.free_points:g} free points over {len(audit.free)} functions")
        lines += [f"  {f.function} ({f.task}): {f.free:g} free points from {', '.join(f.tests)}"
                  for f in audit.free if f.free > 0]
    if audit.false_checked:
        lines.append(f"false failures: {len(audit.false)} over {len(audit.false_checked)} gradings "
                     "of correct submissions")
        lines += [f"  {f.variant} seed {f.seed}: {f.test}: {f.message.splitlines()[0] if f.message else ''}"
                  for f in audit.false]
    missed = problems(audit, limits)
    lines.append("PASS" if not missed else "FAIL: " + "; ".join(missed))
    return "\n".join(lines)


def _survivors(audit: Audit) -> list[analysis.MutantVerdict]:
    return [v for v in audit.mutants if not v.killed]


def markdown(audit: Audit, limits: Thresholds) -> str:
    parts = [f"# Audit of `{audit.exercise}`", "", "```", summary_text(audit, limits), "```", "",
             "![mutation score per function](mutation_score.png)", ""]
    if audit.mutants:
        parts += ["## Mutation score per function", "", _table_md(HEADER, _rows(audit)), ""]
    survivors = _survivors(audit)
    if survivors:
        parts += ["## Surviving mutants", "",
                  "Strengthen the tests, or, if no input the handout grades tells it apart "
                  "from the reference, record it in the exercise's `audit.toml` `[equivalent]`, "
                  "keyed by the line in bold (`*` matches any text), with a one-line reason.", ""]
        for v in survivors:
            reason = f"equivalent: {v.equivalent}" if v.equivalent else "NOT recorded"
            parts += [f"**{v.key}**", "", f"{v.ident} ({v.description}); {reason}", "",
                      "```diff", v.diff.rstrip(), "```", ""]
    collateral = [v for v in audit.mutants if v.collateral]
    if collateral:
        parts += ["## Collateral points", ""]
        for v in collateral:
            lost = ", ".join(f"{c.test_id} ({c.task}, {c.points:g})" for c in v.collateral)
            parts += [f"- **{v.key}** ({v.ident}): {lost}"]
        parts.append("")
    free = [f for f in audit.free if f.free > 0]
    if free:
        parts += ["## Free points of lazy variants", ""]
        parts += [f"- `{f.function}` ({f.task}): {f.free:g} points from {', '.join(f.tests)}"
                  for f in free]
        parts.append("")
    if audit.false:
        parts += ["## False failures", ""]
        parts += [f"- {f.variant}, seed {f.seed}: {f.test}: {f.message.splitlines()[0] if f.message else ''}"
                  for f in audit.false]
    return "\n".join(parts) + "\n"


def plot(audit: Audit, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    summaries = [s for s in analysis.summarize(audit.mutants, audit.tasks) if s.score is not None]
    fig, ax = plt.subplots(figsize=(7, 0.35 * max(3, len(summaries)) + 1.2))
    names = [s.function for s in summaries]
    scores = [100 * s.score for s in summaries]
    colors = ["tab:red" if s.collateral_points else "tab:blue" for s in summaries]
    ax.barh(names, scores, color=colors)
    ax.axvline(90, color="grey", linestyle="--", linewidth=1)
    ax.set_xlim(0, 100)
    ax.invert_yaxis()
    ax.set_xlabel("mutants killed (%)  — red: some mutant cost points in another task")
    ax.set_title(f"{audit.exercise}: mutation score per function")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def to_html(markdown_text: str) -> str:
    """A small, dependency-free rendering of the markdown this module writes."""
    out, in_code, in_table = [], False, False
    for line in markdown_text.splitlines():
        if in_table and not line.startswith("|"):
            out.append("</table>")
            in_table = False
        if line.startswith("```"):
            out.append("</pre>" if in_code else "<pre>")
            in_code = not in_code
        elif in_code:
            out.append(html.escape(line))
        elif line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            out.append(f"<h{level}>{html.escape(line[level:].strip())}</h{level}>")
        elif line.startswith("!["):
            out.append(f'<img src="{html.escape(line.split("(", 1)[1].rstrip(")"))}" alt="plot">')
        elif line.startswith("|"):
            if set(line) <= set("|-"):
                continue
            if not in_table:
                out.append("<table>")
                in_table = True
            cells = [c.strip().replace("\\|", "|") for c in line.strip("|").split(" | ")]
            out.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
        elif line.strip():
            out.append(f"<p>{html.escape(line.removeprefix('- ').replace('**', ''))}</p>")
    if in_table:
        out.append("</table>")
    return ("<!doctype html><html><head><meta charset='utf-8'><title>audit</title><style>"
            "body{font-family:sans-serif;max-width:60em;margin:2em auto}td{padding:2px 8px;"
            "border-bottom:1px solid #ddd}pre{background:#f6f6f6;padding:8px;overflow-x:auto}"
            "</style></head><body>\n" + "\n".join(out) + "\n</body></html>\n")


def write(audit: Audit, limits: Thresholds, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    text = markdown(audit, limits)
    (folder / "audit.md").write_text(text)
    plot(audit, folder / "mutation_score.png")
    (folder / "audit.html").write_text(to_html(text))
    data = asdict(audit)
    data["tasks"] = {k: sorted(v) for k, v in audit.tasks.items()}
    data["problems"] = problems(audit, limits)
    data["kill_rate"] = analysis.kill_rate(audit.mutants)
    data["killed_share"] = analysis.killed_share(audit.mutants)
    (folder / "audit.json").write_text(json.dumps(data, indent=1, default=str) + "\n")
