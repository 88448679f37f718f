"""axe-core in the browser tests: the rules of WCAG 2.2 AA it is run with, and one page's
serious or critical violations, with where they are."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
FAILING_IMPACTS = {"serious", "critical"}

RUN_AXE = """async (tags) => {
  const results = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    targets: v.nodes.map((n) => n.target.join(' ')),
  }));
}"""


def failing(page: Any) -> list[str]:
    """The page's serious and critical violations of WCAG 2.2 AA, as axe-core finds them."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    return [
        f"{violation['id']} ({violation['impact']}) {violation['help']}: {', '.join(violation['targets'][:6])}"
        for violation in page.evaluate(RUN_AXE, AXE_TAGS)
        if violation["impact"] in FAILING_IMPACTS
    ]
