"""The code's layout: data flows one way, and core sits below every app.

core -> partners -> delegations -> budgets -> reports -> overview -> public -> privacy -> demo,
with the project package (settings, urls, Celery) on top. A module may
import from its own package and from those before it, never from one after
it; an app's templates link only to its own pages and those before it. Later
apps add to earlier apps' pages by registering (partners/extensions.py,
core/search.py), so no arrow needs to point back.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ORDER = (
    "core",
    "partners",
    "delegations",
    "budgets",
    "reports",
    "overview",
    "public",
    "privacy",
    "demo",
    "twinning",
)
RANK = {package: rank for rank, package in enumerate(ORDER)}
URL_TAG = re.compile(r"""{%\s*url\s+['"](?P<namespace>[\w-]+):""")


def imported_packages(path: Path) -> list[tuple[int, str]]:
    """(line, top-level package) of every import of one of the project's packages."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [(node.lineno, name.split(".")[0]) for name in names if name.split(".")[0] in RANK]
    return found


def upward_imports(package: str) -> list[str]:
    wrong = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for line, imported in imported_packages(path):
            if RANK[imported] > RANK[package]:
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {imported}")
    return wrong


@pytest.mark.parametrize("package", ORDER)
def test_no_package_imports_one_after_it(package: str) -> None:
    assert upward_imports(package) == []


@pytest.mark.parametrize("package", ORDER[:-1])
def test_no_app_template_links_to_an_app_after_it(package: str) -> None:
    wrong = []
    for path in sorted((ROOT / "templates" / package).rglob("*.html")):
        for match in URL_TAG.finditer(path.read_text()):
            namespace = match["namespace"]
            if namespace in RANK and RANK[namespace] > RANK[package]:
                wrong.append(f"{path.relative_to(ROOT)} links to {namespace}")
    assert wrong == []


def test_the_check_finds_an_upward_import(tmp_path: Path) -> None:
    """The reader sees every form of import, so a wrong arrow cannot hide."""
    module = tmp_path / "module.py"
    module.write_text(
        "import reports.models\n"
        "from overview import dashboards\n"
        "def later():\n"
        "    from budgets.selectors import year_page\n"
        "from .sibling import thing\n"
        "import os\n"
    )
    assert imported_packages(module) == [(1, "reports"), (2, "overview"), (4, "budgets")]


def test_every_package_of_the_project_has_its_place() -> None:
    """A new top-level package must be placed in ORDER, or the checks above would skip it."""
    packages = {
        path.parent.name
        for path in ROOT.glob("*/__init__.py")
        if path.parent.name not in {"tests", "scripts", "node_modules", "static"}
    }
    assert packages == set(ORDER)
