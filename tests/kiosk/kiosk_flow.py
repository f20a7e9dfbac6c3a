"""Taps a senior makes, shared by the end-to-end tests."""

from __future__ import annotations

from playwright.sync_api import Page

REPEAT_PAUSE_MS = 350  # the kiosk ignores the same key again within 300 ms (a shaky double tap)


def tap(page: Page, name: str) -> None:
    """Tap the one button or link with exactly this visible name."""
    page.get_by_role("button", name=name, exact=True).or_(page.get_by_role("link", name=name, exact=True)).click()


def type_on_keyboard(page: Page, text: str) -> None:
    """Type *text* with the on-screen keyboard (spaces with the space bar)."""
    for index, char in enumerate(text):
        if index and text[index - 1].upper() == char.upper():
            page.wait_for_timeout(REPEAT_PAUSE_MS)
        if char == " ":
            page.locator("button[name=action][value=space]").click()
        else:
            page.locator(f"button[name=key][value='{char.upper() if char != 'ß' else char}']").click()


def fill_request(page: Page, name: str = "Anna Müller", phone: str = "02311234567", district: str = "Hörde",
                 stop_before_send: bool = False) -> None:
    """From Start through every question of the request flow (works in every language)."""
    page.goto("/kiosk/")
    page.locator("a[href$='/kiosk/request']").click()
    page.locator("button[name=kind][value=home_visit]").click()
    type_on_keyboard(page, name)
    page.locator("button[name=action][value=next]").click()
    for index, digit in enumerate(phone):
        if index and phone[index - 1] == digit:
            page.wait_for_timeout(REPEAT_PAUSE_MS)
        page.locator(f"button[name=key][value='{digit}']").click()
    page.locator("button[name=action][value=next]").click()
    page.get_by_role("button", name=district, exact=True).click()
    page.locator("button[name=topic][value=alltag]").click()
    page.locator("button[name=time][value=morning]").click()
    page.locator("button[name=consent][value=yes]").click()
    if not stop_before_send:
        page.locator("button[name=action][value=send]").click()


def _post_setting(page: Page, path: str, form: dict[str, str]) -> None:
    """Post a setting form with the current page's CSRF token (the form in progress is kept)."""
    token = page.locator("input[name=csrf_token]").first.get_attribute("value") or ""
    response = page.request.post(path, form={**form, "csrf_token": token}, max_redirects=0)
    assert response.status == 302, response.status


def set_language(page: Page, language: str) -> None:
    """Switch the language without passing the start screen."""
    _post_setting(page, "/kiosk/language", {"language": language})


def set_large_text(page: Page, on: bool) -> None:
    """Switch larger text on or off without passing the start screen."""
    if (page.locator("body.large").count() == 1) != on:
        _post_setting(page, "/kiosk/large-text", {})
