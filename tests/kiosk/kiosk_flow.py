"""Taps a senior makes, shared by the end-to-end tests."""

from __future__ import annotations

from playwright.sync_api import Page


def tap(page: Page, name: str) -> None:
    """Tap the one button or link with exactly this visible name."""
    page.get_by_role("button", name=name, exact=True).or_(page.get_by_role("link", name=name, exact=True)).click()


def type_on_keyboard(page: Page, text: str) -> None:
    """Type *text* with the on-screen keyboard (spaces with the space bar)."""
    for char in text:
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
    for digit in phone:
        page.locator(f"button[name=key][value='{digit}']").click()
    page.locator("button[name=action][value=next]").click()
    page.get_by_role("button", name=district, exact=True).click()
    page.locator("button[name=topic][value=alltag]").click()
    page.locator("button[name=time][value=morning]").click()
    page.locator("button[name=consent][value=yes]").click()
    if not stop_before_send:
        page.locator("button[name=action][value=send]").click()
