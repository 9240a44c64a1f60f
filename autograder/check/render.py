"""What ``dlcheck`` prints: one line per public test (with the failure message and what the
student's code printed), a per-task table, the public score, and per task what the hidden tests
check (titles and points only)."""
from __future__ import annotations

import os
import textwrap

PRINTED_LIMIT = 2000  # characters of the student's own output shown per failing test
MARKS = {"passed": ("PASS", "32"), "failed": ("FAIL", "31"), "skipped": ("SKIP", "33")}


def use_colour(stream) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    return bool(getattr(stream, "isatty", lambda: False)()) and not os.environ.get("NO_COLOR")


class Painter:
    def __init__(self, colour: bool):
        self.colour = colour

    def __call__(self, text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.colour else text


def _printed_block(printed: str) -> list[str]:
    text = printed.strip("\n")
    if not text.strip():
        return []
    cut = len(text) > PRINTED_LIMIT
    lines = [f"      Your code printed{' (first %d characters)' % PRINTED_LIMIT if cut else ''}:"]
    lines += ["      | " + line for line in text[:PRINTED_LIMIT].splitlines()]
    return lines


def test_lines(outcomes, paint: Painter) -> list[str]:
    lines = []
    for o in outcomes:
        word, code = MARKS[o.status]
        lines.append(f"{paint(word, code)}  [{o.task or o.suite}] {o.title}")
        if o.status != "passed":
            lines += ["      " + line for line in o.message.splitlines()]
        if o.status == "failed":
            lines += _printed_block(o.printed)
    return lines


def task_rows(outcomes, hidden: dict[str, list[dict]]) -> list[tuple]:
    """(task, passed, run, points, max_points, hidden_points) per task, in test order."""
    rows: dict[str, list] = {}
    for o in outcomes:
        row = rows.setdefault(o.task or o.suite, [0, 0, 0.0, 0.0])
        row[0] += o.status == "passed"
        row[1] += o.status != "skipped"
        row[2] += o.points
        row[3] += o.max_points
    return [(task, *row, sum(c["points"] for c in hidden.get(task, [])))
            for task, row in rows.items()]


def summary_table(rows, paint: Painter) -> list[str]:
    width = max([len("task")] + [len(r[0]) for r in rows])
    head = f"{'task':<{width}}  {'public tests':>12}  {'points':>9}  {'hidden points':>13}"
    lines = [head, "-" * len(head)]
    for task, passed, run, points, max_points, hidden_points in rows:
        tests = f"{passed}/{run} passed"
        code = "32" if passed == run else "31"
        lines.append(f"{task:<{width}}  {paint(f'{tests:>12}', code)}  "
                     f"{f'{points:g}/{max_points:g}':>9}  {hidden_points:>13g}")
    return lines


def hidden_lines(hidden: dict[str, list[dict]], tasks: list[str]) -> list[str]:
    """One line per task: its hidden points and what its hidden tests check, in words."""
    if not hidden:
        return []
    shown = [t for t in tasks if t in hidden] or list(hidden)
    total = sum(c["points"] for t in hidden for c in hidden[t])
    lines = [f"The grader also runs hidden tests, worth {total:g} more points. "
             "What they check, per task:"]
    for task in shown:
        checks = hidden[task]
        points = sum(c["points"] for c in checks)
        body = "; ".join(f"{c['title']} ({c['points']:g})" for c in checks)
        lines += textwrap.wrap(f"{task}: {points:g} hidden points: {body}", width=100,
                               initial_indent="  ", subsequent_indent="      ")
    return lines


def render(outcomes, hidden: dict[str, list[dict]], *, colour: bool = False,
           notes=()) -> str:
    paint = Painter(colour)
    rows = task_rows(outcomes, hidden)
    score = sum(o.points for o in outcomes)
    max_score = sum(o.max_points for o in outcomes)
    full = outcomes and score == max_score
    lines = test_lines(outcomes, paint) + [""] + summary_table(rows, paint) + [""]
    lines.append(paint(f"Score: {score:g} / {max_score:g} on the public tests", "32" if full else "31"))
    lines += list(notes)
    lines += [""] + hidden_lines(hidden, [r[0] for r in rows])
    return "\n".join(lines).rstrip() + "\n"
