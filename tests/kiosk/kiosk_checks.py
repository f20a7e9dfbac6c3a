# ruff: noqa: E501, UP031 - the measurement script is JavaScript embedded as a string
"""Measurements made inside Chromium: axe-core, touch targets, spacing, text size and contrast."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]
MIN_TARGET = 64
MIN_GAP = 8
MIN_FONT = 24
MIN_CONTRAST = 7.0

MEASURE = """
() => {
  const visible = (el) => {
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    return style.visibility !== 'hidden' && style.display !== 'none' && box.width > 1 && box.height > 1
      && !el.closest('[hidden]');
  };
  const onTop = (el) => { const r = el.getBoundingClientRect();
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2); return hit && el.contains(hit); };
  const targets = [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, [role=button]')]
    .filter((el) => visible(el) && onTop(el));
  const rects = targets.map((el) => ({el, r: el.getBoundingClientRect()}));
  const small = rects.filter(({r}) => r.width < %(min_target)s || r.height < %(min_target)s)
    .map(({el, r}) => `${el.textContent.trim()}: ${Math.round(r.width)}x${Math.round(r.height)}`);
  const close = [];
  for (let i = 0; i < rects.length; i++) {
    for (let j = i + 1; j < rects.length; j++) {
      const a = rects[i], b = rects[j];
      if (a.el.contains(b.el) || b.el.contains(a.el)) continue;
      const dx = Math.max(0, b.r.left - a.r.right, a.r.left - b.r.right);
      const dy = Math.max(0, b.r.top - a.r.bottom, a.r.top - b.r.bottom);
      if (Math.max(dx, dy) < %(min_gap)s) close.push(`${a.el.textContent.trim()} / ${b.el.textContent.trim()}`);
    }
  }
  const parse = (c) => { const m = c.match(/[\\d.]+/g).map(Number); return {r: m[0], g: m[1], b: m[2], a: m.length > 3 ? m[3] : 1}; };
  const lum = ({r, g, b}) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const background = (el) => { for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor);
    if (c.a > 0) return c; } return {r: 255, g: 255, b: 255, a: 1}; };
  const texts = [...document.querySelectorAll('body *')].filter((el) => visible(el)
    && [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()) && !el.closest('.sr-only'));
  const tinyText = [], lowContrast = [];
  for (const el of texts) {
    const style = getComputedStyle(el);
    const size = parseFloat(style.fontSize);
    if (size < %(min_font)s) tinyText.push(`${el.textContent.trim().slice(0, 40)}: ${size}px`);
    const fg = lum(parse(style.color)), bg = lum(background(el));
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    if (ratio < %(min_contrast)s) lowContrast.push(`${el.textContent.trim().slice(0, 40)}: ${ratio.toFixed(2)}`);
  }
  const body = getComputedStyle(document.body);
  return {targets: targets.length, small, close, tinyText, lowContrast,
          userSelect: body.userSelect || body.webkitUserSelect,
          touchAction: getComputedStyle(document.documentElement).touchAction};
}
""" % {"min_target": MIN_TARGET, "min_gap": MIN_GAP, "min_font": MIN_FONT, "min_contrast": MIN_CONTRAST}


def axe_violations(page: Page, axe_source: str) -> list[dict[str, Any]]:
    """Run axe-core on the page with the WCAG 2.0–2.2 A/AA tags; return its violations."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source)  # through DevTools, so the strict CSP stays on
    result: dict[str, Any] = page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    return [{"id": v["id"], "nodes": [n["target"] for n in v["nodes"]]} for v in result["violations"]]


def measure(page: Page) -> dict[str, Any]:
    """Targets, gaps, text sizes and contrast, measured in the browser."""
    result: dict[str, Any] = page.evaluate(MEASURE)
    return result


def assert_accessible(page: Page, axe_source: str, screen: str, modal: bool = False) -> None:
    """Every kiosk rule on the current screen; the message names the screen and what failed."""
    violations = axe_violations(page, axe_source)
    assert violations == [], f"{screen}: axe violations {violations}"
    figures = measure(page)
    if not modal:
        navigation = page.locator("header nav a")
        assert navigation.count() == 2 and navigation.first.is_visible() and navigation.last.is_visible(), \
            f"{screen}: Start and Zurück must be visible"
    assert figures["small"] == [], f"{screen}: targets under {MIN_TARGET}px: {figures['small']}"
    assert figures["close"] == [], f"{screen}: targets closer than {MIN_GAP}px: {figures['close']}"
    assert figures["tinyText"] == [], f"{screen}: text under {MIN_FONT}px: {figures['tinyText']}"
    assert figures["lowContrast"] == [], f"{screen}: contrast under {MIN_CONTRAST}:1: {figures['lowContrast']}"
    assert_fits(page, screen)
    assert figures["userSelect"] == "none", f"{screen}: text can be selected"
    assert figures["touchAction"] == "manipulation", f"{screen}: double-tap zoom is not disabled"


def assert_fits(page: Page, screen: str) -> None:
    """Nothing is reachable only by scrolling: the page is no taller or wider than the window."""
    size = page.evaluate("() => ({height: document.scrollingElement.scrollHeight, width: "
                         "document.scrollingElement.scrollWidth, innerHeight, innerWidth})")
    assert size["height"] <= size["innerHeight"], f"{screen}: {size['height']}px high, window {size['innerHeight']}px"
    assert size["width"] <= size["innerWidth"], f"{screen}: {size['width']}px wide, window {size['innerWidth']}px"
