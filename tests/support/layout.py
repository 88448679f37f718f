"""What the browser tests measure of a page's layout: that it never scrolls sideways
(WCAG 2.2 1.4.10 Reflow) and that whatever has keyboard focus shows it (2.4.7, 1.4.11).

Both are measured in the page, in one ``page.evaluate`` each, so that a walk of
every page stays quick. The focus check works out the WCAG contrast ratio of
each ring (an outline, or a box-shadow's spread) against the colour behind it,
which is the first background of an ancestor blended over those below it; a
ring counts if it is at least ``MIN_RING_PX`` wide and ``MIN_CONTRAST`` against
that colour.
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page

# WCAG 2.2 1.4.10: content reflows at 320 CSS px; tablets, laptops and desktops beside it.
WIDTHS = (320, 768, 1280, 1920)
# The browser tests' usual window (tests/support/browser.py).
USUAL = {"width": 1280, "height": 900}
MIN_CONTRAST = 3.0
MIN_RING_PX = 2.0

# The focus check's colour arithmetic, shared by the two scripts below.
_COLOURS = """
const parse = (text) => {
  const m = /rgba?\\(([^)]*)\\)/.exec(text || '');
  if (!m) return null;
  const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
  return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
};
const over = (top, under) => ({
  r: top.r * top.a + under.r * (1 - top.a),
  g: top.g * top.a + under.g * (1 - top.a),
  b: top.b * top.a + under.b * (1 - top.a),
  a: 1,
});
const luminance = (c) => {
  const channel = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
};
const contrast = (a, b) => {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
};
const behind = (el) => {
  const layers = [];
  for (let node = el.parentElement; node; node = node.parentElement) {
    const colour = parse(getComputedStyle(node).backgroundColor);
    if (colour && colour.a > 0) { layers.push(colour); if (colour.a >= 1) break; }
  }
  return layers.reverse().reduce((under, top) => over(top, under), {r: 255, g: 255, b: 255, a: 1});
};
const describe = (el) => {
  const name = (el.getAttribute('aria-label') || el.innerText || el.value || el.id || el.name || '').trim();
  return `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''} "${name.replace(/\\s+/g, ' ').slice(0, 40)}"`;
};
// The rings drawn round the focused element, each with its colour and the width of it that shows.
const rings = (el) => {
  const style = getComputedStyle(el);
  const found = [];
  const outline = style.outlineStyle !== 'none' ? parseFloat(style.outlineWidth) || 0 : 0;
  const offset = parseFloat(style.outlineOffset) || 0;
  if (outline > 0) found.push({what: 'outline', colour: parse(style.outlineColor), width: outline});
  if (style.boxShadow && style.boxShadow !== 'none') {
    for (const shadow of style.boxShadow.split(/,(?![^(]*\\))/)) {
      if (/inset/.test(shadow)) continue;
      const colour = parse(shadow);
      const [x, y, blur, spread] = shadow.replace(/rgba?\\([^)]*\\)/, '').trim().split(/\\s+/).map(parseFloat);
      const reach = (spread || 0) - Math.max(Math.abs(x || 0), Math.abs(y || 0));
      if (!colour || reach <= 0) continue;
      // An outline drawn over part of the shadow hides that part.
      const shows = outline > 0 ? Math.min(reach, Math.max(offset, 0)) + Math.max(0, reach - offset - outline) : reach;
      found.push({what: 'box-shadow', colour, width: shows});
    }
  }
  return found;
};
const judge = (el, minContrast, minWidth) => {
  // The ring as it ends up: Bootstrap fades a field's ring in over 0.15 s.
  for (const animation of el.getAnimations()) animation.finish();
  const background = behind(el);
  let best = {contrast: 0, width: 0, what: 'nothing'};
  for (const ring of rings(el)) {
    const ratio = contrast(over(ring.colour, background), background);
    if (ring.width >= minWidth && ratio > best.contrast) best = {contrast: ratio, width: ring.width, what: ring.what};
  }
  return best.contrast >= minContrast ? null
    : `${describe(el)}: focus ring ${best.what}, ${best.contrast.toFixed(2)}:1 at ${best.width}px`
      + ` (needs ${minContrast}:1 at ${minWidth}px or more) on rgb(${background.r}, ${background.g}, ${background.b})`;
};
"""

# Every element a person can Tab to and that shows, focused in turn.
FOCUS_EVERY_ELEMENT = (
    "([minContrast, minWidth]) => {"
    + _COLOURS
    + """
  const selector = 'a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), '
    + 'select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex^="-"])';
  const shown = (el) => {
    const box = el.getBoundingClientRect();
    // checkVisibility: not inside a closed <details>, display: none or visibility: hidden.
    return box.width > 0 && box.height > 0 && el.checkVisibility({visibilityProperty: true})
      && !el.matches(':disabled') && !el.closest('[inert]');
  };
  const failures = [];
  const elements = [...document.querySelectorAll(selector)].filter(shown);
  for (const el of elements) {
    el.focus({preventScroll: true});
    if (document.activeElement !== el) { failures.push(`${describe(el)}: takes no focus`); continue; }
    if (!el.matches(':focus-visible')) { failures.push(`${describe(el)}: not :focus-visible from the keyboard`); continue; }
    const failure = judge(el, minContrast, minWidth);
    if (failure) failures.push(failure);
  }
  if (document.activeElement) document.activeElement.blur();
  return {count: elements.length, failures};
}"""
)

# The element that has focus now, judged the same way.
JUDGE_FOCUSED = (
    "([minContrast, minWidth]) => {"
    + _COLOURS
    + """
  const el = document.activeElement;
  if (!el || el === document.body) return {name: 'nothing', failure: 'focus is on nothing'};
  return {name: describe(el), failure: judge(el, minContrast, minWidth)};
}"""
)

SCROLL_WIDTH = "() => [document.documentElement.scrollWidth, window.innerWidth]"


def sideways_scrolling(page: Page) -> list[str]:
    """The widths of WIDTHS at which the page is wider than the window; the usual window after."""
    wider = []
    height = page.viewport_size["height"] if page.viewport_size else USUAL["height"]
    try:
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": height})
            scroll_width, window_width = page.evaluate(SCROLL_WIDTH)
            if scroll_width > window_width:
                wider.append(f"{scroll_width} px wide in a {window_width} px window")
    finally:
        page.set_viewport_size(USUAL)
    return wider


def unseen_focus(page: Page) -> tuple[int, list[str]]:
    """How many elements take focus on the page, and those whose focus ring cannot be seen."""
    # A real key press first: it is the keyboard, not a pointer, that the rings are for.
    page.keyboard.press("Shift")
    found: dict[str, Any] = page.evaluate(FOCUS_EVERY_ELEMENT, [MIN_CONTRAST, MIN_RING_PX])
    return found["count"], found["failures"]


def focused(page: Page) -> tuple[str, str | None]:
    """What has focus now, and why its ring cannot be seen (None if it can)."""
    found: dict[str, Any] = page.evaluate(JUDGE_FOCUSED, [MIN_CONTRAST, MIN_RING_PX])
    return found["name"], found["failure"]
