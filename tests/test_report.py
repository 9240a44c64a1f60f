"""Instructors: ``dlcourse grade`` on a Gradescope export (progress bar, names and emails, one
column per test) and ``dlcourse report`` (an HTML page whose plots exist and whose numbers agree
with the CSV files written beside it)."""
import csv
import fcntl
import json
import os
import pty
import struct
import subprocess
import sys
import termios
from html.parser import HTMLParser
from pathlib import Path

import pytest

from autograder.report import build_report, failure_key
from toy_course import REFERENCE, course_env, make_toy_course

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class Page(HTMLParser):
    """The images, the summary (dt -> dd) and the tables (id -> rows of cells) of a page."""

    def __init__(self, text: str):
        super().__init__()
        self.images, self.summary, self.tables = [], {}, {}
        self._table, self._row, self._cell, self._dt = None, None, None, None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs["src"])
        elif tag == "table":
            self._table = self.tables.setdefault(attrs.get("id"), [])
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th", "dt", "dd"):
            self._cell = ""

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._row is not None:
            self._row.append(self._cell)
        elif tag == "tr" and self._row is not None:
            self._table.append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None
        elif tag == "dt":
            self._dt = self._cell
        elif tag == "dd":
            self.summary[self._dt] = self._cell
        if tag in ("td", "th", "dt", "dd"):
            self._cell = None


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def check_report(report: Path, students: int) -> Page:
    """The page's images are PNG files and its numbers are those of the CSV files."""
    page = Page((report / "index.html").read_text())
    assert sorted(page.images) == ["failures.png", "pass_rate.png", "score_histogram.png",
                                   "slowest.png"]
    for image in page.images:
        assert (report / image).read_bytes()[:8] == PNG_MAGIC, image
    assert int(page.summary["submissions"]) == students
    assert sum(int(r["submissions"]) for r in read_csv(report / "score_histogram.csv")) == students
    for table in ("failures", "slowest"):
        rows = read_csv(report / f"{table}.csv")
        head, *body = page.tables[table]
        assert head == list(rows[0])
        assert body == [[r[c] for c in head] for r in rows]
    return page


def _results(score, seconds, tests):
    return {"score": score, "max_score": 6.0, "execution_time": seconds, "output": "",
            "tests": [{"name": n, "score": s, "max_score": m, "output": o, "status": st}
                      for n, s, m, o, st in tests]}


def test_report_numbers_agree_with_the_results(tmp_path):
    graded = tmp_path / "graded"
    graded.mkdir()
    ok = ("[a] a works", 2.0, 2.0, "passed", "passed")
    bad = ("[a] a works", 0.0, 2.0, "a is wrong: relative error 0.5 at index (3,)", "failed")
    other_input = ("[a] a works", 0.0, 2.0, "a is wrong: relative error 0.25 at index (1,)", "failed")
    b_ok = ("[b] b works", 4.0, 4.0, "passed", "passed")
    b_stub = ("[b] b works", 0.0, 4.0, "b is not implemented yet", "failed")
    for name, score, seconds, tests in [("ann", 6.0, 1.5, [ok, b_ok]), ("ben", 4.0, 9.25, [bad, b_ok]),
                                        ("cy", 0.0, 3.0, [other_input, b_stub]),
                                        ("dee", 2.0, 0.5, [ok, b_stub])]:
        (graded / f"{name}.json").write_text(json.dumps(_results(score, seconds, tests)))
    report = tmp_path / "report"
    build_report(graded, report)
    page = check_report(report, 4)
    assert float(page.summary["mean"]) == 3.0 and int(page.summary["full marks"]) == 1
    rates = {r["test"]: r for r in read_csv(report / "pass_rate.csv")}
    assert (rates["[a] a works"]["passed"], rates["[a] a works"]["pass_rate"]) == ("2", "0.5")
    assert rates["[b] b works"]["task"] == "b"
    failures = read_csv(report / "failures.csv")
    # the same mistake on two inputs is one message, counted for two submissions
    assert {"task": "a", "message": "a is wrong: relative error N at index (N,)",
            "submissions": "2"} in failures
    assert [r["student"] for r in read_csv(report / "slowest.csv")] == ["ben", "cy", "ann", "dee"]


def test_failure_key_keeps_code_in_backticks():
    assert failure_key("x was 3.5; use `dx[x <= 0] = 0`\nmore") == "x was N; use `dx[x <= 0] = 0`"


def read_terminal(leader: int) -> str:
    """All that was written to a pseudo-terminal whose other end is closed."""
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 1 << 16)
        except OSError:  # EIO: nothing more
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return b"".join(chunks).decode(errors="replace")


def _export(folder: Path, submissions: dict) -> None:
    """A Gradescope "Export Submissions" folder: submission_metadata.yml + one folder each."""
    lines = []
    for i, (who, source) in enumerate(submissions.items()):
        key = f"submission_{1000 + i}"
        (folder / key).mkdir(parents=True)
        (folder / key / "toy.py").write_text(source)
        name, email = who
        lines += [f"{key}:", "  :submitters:", f"  - :name: {name}", f"    :sid: '{i}'",
                  f"    :email: {email}", "  :created_at: 2026-12-01 10:00:00.0 -08:00",
                  "  :score: 0.0"]
    (folder / "submission_metadata.yml").write_text("\n".join(lines) + "\n")


def test_grading_a_gradescope_export_then_reporting(tmp_path):
    course = make_toy_course(tmp_path / "course")
    export = tmp_path / "export"
    _export(export, {("Ada Lovelace", "ada@example.edu"): REFERENCE,
                     ("Carl Gauss", "carl@example.edu"): REFERENCE.replace("x / 2", "x / 3"),
                     ("Emmy Noether", "emmy@example.edu"): "def double(x):\n    return x\n"})
    graded = tmp_path / "graded"
    leader, follower = pty.openpty()  # stderr on a terminal: the progress bar shows
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # 100 columns
    proc = subprocess.run([sys.executable, "-m", "autograder", "grade", "toy", str(export),
                           "-o", str(graded)], env=course_env(course), stdout=subprocess.PIPE,
                          stderr=follower, text=True, timeout=300)
    os.close(follower)
    bar = read_terminal(leader)
    assert proc.returncode == 0
    assert "grading" in bar and "3/3" in bar and "100%" in bar
    assert "submission_1000 (Ada Lovelace)" in proc.stdout
    rows = read_csv(graded / "scores.csv")
    assert list(rows[0])[:7] == ["student", "name", "email", "sid", "score", "max_score", "seconds"]
    assert set(list(rows[0])[7:]) == {"test_public_double", "test_public_halve",
                                      "test_double_values", "test_halve_values"}
    by_name = {r["name"]: r for r in rows}
    assert by_name["Ada Lovelace"]["email"] == "ada@example.edu"
    assert float(by_name["Ada Lovelace"]["score"]) == 10.0
    carl = by_name["Carl Gauss"]
    assert (float(carl["test_double_values"]), float(carl["test_halve_values"])) == (3.0, 0.0)
    assert float(carl["score"]) == sum(float(carl[c]) for c in list(rows[0])[7:])
    emmy = json.loads((graded / "submission_1002.json").read_text())
    assert float(by_name["Emmy Noether"]["score"]) == emmy["score"] == 0.0

    report = tmp_path / "report"
    subprocess.run([sys.executable, "-m", "autograder", "report", str(graded), "-o", str(report)],
                   env=course_env(course), check=True, capture_output=True, timeout=120)
    page = check_report(report, 3)
    assert float(page.summary["max score"]) == 10.0
    assert read_csv(report / "scores.csv") == rows


@pytest.mark.parametrize("layout", ["files", "folders"])
def test_plain_class_folders_still_work(tmp_path, layout):
    from autograder.grade.classroom import class_submissions
    folder = tmp_path / "class"
    folder.mkdir()
    if layout == "files":
        (folder / "alice.py").write_text(REFERENCE)
    else:
        (folder / "alice").mkdir()
        (folder / "alice" / "notes.py").write_text("")
        (folder / "alice" / "toy.py").write_text(REFERENCE)
    [sub] = class_submissions(folder, "toy")
    expected = "alice.py" if layout == "files" else "toy.py"  # the module's file preferred
    assert (sub.key, sub.path.name, sub.identity) == ("alice", expected, {})
