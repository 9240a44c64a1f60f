"""``dlcourse report GRADED -o REPORT``: a class report from a folder ``dlcourse grade`` wrote
(one results.json per submission, named ``<student>.json``).

Writes ``index.html`` with four plots (score histogram, pass rate per test, the most common
failure messages per task, the slowest submissions) and, for each plot, the CSV file of the data
it shows.
"""
from __future__ import annotations

import csv
import html
import json
import re
import statistics
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

TOP_MESSAGES = 3  # failure messages shown per task
SLOWEST = 10
NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?:e[-+]?\d+)?")


@dataclass
class Graded:
    student: str
    results: dict


def load_graded(folder: Path) -> list[Graded]:
    """Every ``<student>.json`` results file in the folder (sorted by student)."""
    found = []
    for path in sorted(Path(folder).glob("*.json")):
        if path.name.startswith("."):
            continue
        data = json.loads(path.read_text())
        if isinstance(data, dict) and "score" in data and "tests" in data:
            found.append(Graded(path.stem, data))
    return found


def task_of(test_name: str) -> str:
    """``"[affine] affine_forward ..."`` -> ``"affine"``."""
    return test_name[1:test_name.index("]")] if test_name.startswith("[") and "]" in test_name else ""


def failure_key(message: str) -> str:
    """A failure message's first line with its numbers replaced by N, so that the same mistake
    made on different inputs counts once."""
    first = (message.strip().splitlines() or [""])[0]
    parts = first.split("`")  # code quoted in backticks is kept as is
    return "`".join(p if i % 2 else NUMBER.sub("N", p) for i, p in enumerate(parts))[:200]


# ------------------------------------------------------------------------------ tables
def histogram_rows(graded: list[Graded]) -> list[dict]:
    import numpy as np
    scores = [g.results["score"] for g in graded]
    top = max([g.results["max_score"] for g in graded] + [max(scores, default=0), 1])
    counts, edges = np.histogram(scores, bins=min(20, int(np.ceil(top)) or 1), range=(0, top))
    return [{"low": round(float(lo), 4), "high": round(float(hi), 4), "submissions": int(c)}
            for lo, hi, c in zip(edges[:-1], edges[1:], counts)]


def pass_rate_rows(graded: list[Graded]) -> list[dict]:
    stats: dict[str, list] = {}
    for g in graded:
        for t in g.results["tests"]:
            if t.get("status") not in ("passed", "failed"):
                continue  # skipped (e.g. GPU parity without CUDA)
            row = stats.setdefault(t["name"], [0, 0, t.get("max_score", 0)])
            row[0 if t["status"] == "passed" else 1] += 1
    return [{"test": name, "task": task_of(name), "points": pts, "passed": p, "failed": f,
             "pass_rate": round(p / (p + f), 4)} for name, (p, f, pts) in stats.items()]


def failure_rows(graded: list[Graded]) -> list[dict]:
    counts: Counter = Counter()  # (task, message) -> submissions that got it at least once
    for g in graded:
        counts.update({(task_of(t["name"]), failure_key(t.get("output", "")))
                       for t in g.results["tests"] if t.get("status") == "failed"})
    per_task: dict[str, list] = {}
    for (task, message), n in counts.most_common():
        if len(per_task.setdefault(task, [])) < TOP_MESSAGES:
            per_task[task].append({"task": task, "message": message, "submissions": n})
    return [row for rows in per_task.values() for row in rows]


def student_names(graded_folder: Path) -> dict[str, str]:
    """student -> name from the folder's scores.csv (Gradescope exports have names)."""
    path = Path(graded_folder) / "scores.csv"
    if not path.exists():
        return {}
    with open(path, newline="") as fh:
        return {r["student"]: r.get("name") or "" for r in csv.DictReader(fh)}


def slowest_rows(graded: list[Graded], names: dict[str, str]) -> list[dict]:
    ranked = sorted(graded, key=lambda g: -g.results.get("execution_time", 0.0))[:SLOWEST]
    return [{"student": g.student, "name": names.get(g.student, ""), "seconds": round(g.results.get("execution_time", 0.0), 2),
             "score": g.results["score"], "max_score": g.results["max_score"]} for g in ranked]


def summary(graded: list[Graded]) -> dict:
    scores = [g.results["score"] for g in graded]
    return {"submissions": len(graded),
            "max_score": max((g.results["max_score"] for g in graded), default=0),
            "mean": round(statistics.fmean(scores), 2) if scores else 0,
            "median": round(statistics.median(scores), 2) if scores else 0,
            "full_marks": sum(g.results["score"] == g.results["max_score"] for g in graded)}


def write_csv(path: Path, rows: list[dict], columns: list[str]) -> None:
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


# ------------------------------------------------------------------------------- plots
def _figure(height_rows: int, width: float = 8.0):
    from matplotlib.figure import Figure
    return Figure(figsize=(width, max(2.5, 0.28 * height_rows + 1.2)), layout="constrained")


def plot_histogram(rows, max_score, path: Path) -> None:
    from matplotlib.ticker import MaxNLocator
    fig = _figure(6)
    ax = fig.subplots()
    ax.bar([r["low"] for r in rows], [r["submissions"] for r in rows],
           width=[r["high"] - r["low"] for r in rows], align="edge", edgecolor="white")
    ax.set(xlabel=f"score (out of {max_score:g})", ylabel="submissions", title="Scores")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    fig.savefig(path, dpi=100)


def _barh(rows, label, value, path: Path, xlabel: str, title: str, xlim=None) -> None:
    fig = _figure(len(rows), width=10.0)
    ax = fig.subplots()
    labels = [label(r)[:90] for r in rows]
    ax.barh(range(len(rows)), [value(r) for r in rows])
    ax.set_yticks(range(len(rows)), labels, fontsize=7)
    ax.margins(y=0.5 / max(len(rows), 1))
    ax.invert_yaxis()
    ax.set(xlabel=xlabel, title=title)
    if xlim:
        ax.set_xlim(*xlim)
    fig.savefig(path, dpi=100)


# -------------------------------------------------------------------------------- page
def _table(rows: list[dict], columns: list[str], css_id: str) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(r[c]))}</td>" for c in columns)
                   + "</tr>" for r in rows)
    return f'<table id="{css_id}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}}
table{{border-collapse:collapse;font-size:0.85em;margin:0.5em 0 1.5em}}
td,th{{border:1px solid #ccc;padding:2px 6px;text-align:left}} img{{max-width:100%}}
dl{{display:grid;grid-template-columns:max-content auto;gap:2px 1em}} dt{{font-weight:bold}}</style>
</head><body>
<h1>{title}</h1>
<dl id="summary">{summary}</dl>
<h2>Score histogram</h2><img src="score_histogram.png" alt="score histogram">
<p>Data: <a href="score_histogram.csv">score_histogram.csv</a>, per submission and test:
<a href="scores.csv">scores.csv</a></p>
<h2>Pass rate per test</h2><img src="pass_rate.png" alt="pass rate per test">
<p>Data: <a href="pass_rate.csv">pass_rate.csv</a></p>
<h2>Most common failure messages per task</h2><img src="failures.png" alt="failure messages">
<p>Numbers in the messages are replaced by N. Data: <a href="failures.csv">failures.csv</a></p>
{failures}
<h2>Slowest submissions</h2><img src="slowest.png" alt="slowest submissions">
<p>Data: <a href="slowest.csv">slowest.csv</a></p>
{slowest}
</body></html>
"""


def build_report(graded_folder: Path, out: Path, title: str | None = None) -> Path:
    """Write the report into ``out``; returns the path of ``index.html``."""
    import shutil

    graded = load_graded(graded_folder)
    if not graded:
        raise FileNotFoundError(f"no results .json files in {graded_folder}")
    out.mkdir(parents=True, exist_ok=True)
    info = summary(graded)
    hist, rates, fails, slow = (histogram_rows(graded), pass_rate_rows(graded),
                                failure_rows(graded), slowest_rows(graded, student_names(graded_folder)))
    write_csv(out / "score_histogram.csv", hist, ["low", "high", "submissions"])
    write_csv(out / "pass_rate.csv", rates, ["test", "task", "points", "passed", "failed", "pass_rate"])
    write_csv(out / "failures.csv", fails, ["task", "message", "submissions"])
    write_csv(out / "slowest.csv", slow, ["student", "name", "seconds", "score", "max_score"])
    if (Path(graded_folder) / "scores.csv").exists():
        shutil.copy(Path(graded_folder) / "scores.csv", out / "scores.csv")
    plot_histogram(hist, info["max_score"], out / "score_histogram.png")
    hardest = sorted(rates, key=lambda r: r["pass_rate"])  # stable: test order among equals
    _barh(hardest, lambda r: r["test"], lambda r: 100 * r["pass_rate"], out / "pass_rate.png",
          "% of submissions passing", "Pass rate per test (lowest first)", xlim=(0, 100))
    _barh(fails, lambda r: f"[{r['task']}] {r['message']}", lambda r: r["submissions"],
          out / "failures.png", "submissions", f"Top {TOP_MESSAGES} failure messages per task")
    _barh(slow, lambda r: f"{r['student']} ({r['name']})" if r["name"] else r["student"],
          lambda r: r["seconds"], out / "slowest.png",
          "grading time (s)", f"The {SLOWEST} slowest submissions")
    summary_html = "".join(f"<dt>{html.escape(k.replace('_', ' '))}</dt><dd>{v:g}</dd>"
                           for k, v in info.items())
    page = PAGE.format(title=html.escape(title or f"Class report: {Path(graded_folder).name}"),
                       summary=summary_html,
                       failures=_table(fails, ["task", "message", "submissions"], "failures"),
                       slowest=_table(slow, ["student", "name", "seconds", "score", "max_score"], "slowest"))
    (out / "index.html").write_text(page)
    return out / "index.html"
