"""axe-core in a Playwright page, for tests/test_a11y.py and tests/audit.py (`make audit`).

axe-core comes from node_modules (a devDependency in package.json) and is added
to the page as a script; the page's context must be opened with
``bypass_csp=True``, since the site's CSP allows no script that is not its own.

The slides are checked slide by slide: reveal.js hides every slide but the
current one, and axe only judges what is shown (contrast above all).
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# The impacts the site may not have: all of them (the last were moderate, material's
# copy-button navs as landmarks without names; theme/overrides/main.html).
BLOCKING = ("minor", "moderate", "serious", "critical")

RUN_JS = """async (include) => {
  const result = await axe.run(include ? { include: [include] } : document, { resultTypes: ['violations'] });
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => n.target.join(' ') + (n.failureSummary ? ' -- ' + n.failureSummary.split('\\n').slice(1).join(' ').trim() : '')),
  }));
}"""


def inject(page) -> None:
    if not AXE_JS.is_file():
        raise RuntimeError(f"{AXE_JS} is missing: run `npm ci` (axe-core is a devDependency)")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE_JS))


def run(page, include: str | None = None) -> list[dict]:
    """axe's violations on the page (or inside the element `include` selects)."""
    inject(page)
    return page.evaluate(RUN_JS, include)


def slides(page) -> dict[str, list[dict]]:
    """Violations per slide: the whole page on the first slide (with the deck's buttons),
    then the current slide only on each of the others. The deck must be ready."""
    page.evaluate("Reveal.configure({transition: 'none', backgroundTransition: 'none'})")
    found = {}
    ids = page.evaluate("Reveal.getSlides().map(s => s.id)")
    for i, sid in enumerate(ids):
        page.evaluate(f"Reveal.slide({i})")
        page.wait_for_function(f"() => Reveal.getCurrentSlide().id === {sid!r}")
        # Every build step shown, as at the end of the slide.
        page.evaluate("() => { while (Reveal.nextFragment()) {} }")
        violations = run(page, None if i == 0 else f"#{sid}")
        if violations:
            found[sid] = violations
    return found


def blocking(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in BLOCKING]


def describe(violations: list[dict], nodes: int = 3) -> list[str]:
    """One line per violation: its rule, impact, help and first few elements."""
    return [f"{v['id']} ({v['impact']}): {v['help']} -- " + "; ".join(v["nodes"][:nodes]) for v in violations]
