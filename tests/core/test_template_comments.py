"""A one-line template comment ``{# … #}`` that runs onto a second line is not a
comment to Django: it prints, braces and all, into the page (once it widened a
report page past a phone's screen). Longer comments use ``{% comment %}``."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_no_template_comment_runs_over_a_line() -> None:
    unclosed = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "templates").rglob("*.html"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if "{#" in line and "#}" not in line[line.index("{#") :]
    ]
    assert len(list((ROOT / "templates").rglob("*.html"))) > 50
    assert unclosed == []
