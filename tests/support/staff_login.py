"""Logging test clients and browsers in through the real staff login form (with the TOTP step).

Admins must have a second factor: the first login of an admin enrols through the real enrolment
page (secret read from the page), later logins answer the code step. Secrets are remembered per
username for the test that created them; each code is for a fresh time step, as codes are single-use.
"""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING

import pyotp
from flask.testing import FlaskClient

if TYPE_CHECKING:
    from playwright.sync_api import Page

PASSWORD = "correct horse battery staple"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
SECRET_FIELD = re.compile(r'id="totp-secret">([A-Z2-7]+)<')
_secrets: dict[str, str] = {}
_last_step: dict[str, int] = {}


def csrf_token(client: FlaskClient, path: str = "/staff/login") -> str:
    """The CSRF token of the form on *path*."""
    page = client.get(path)
    match = CSRF_FIELD.search(page.get_data(as_text=True))
    assert match is not None, f"no CSRF token on {path} ({page.status_code})"
    return match.group(1)


def next_code(secret: str) -> str:
    """A valid code of *secret* for a time step not used before in this test run (now or the next)."""
    totp = pyotp.TOTP(secret)
    step = max(int(time.time() // totp.interval), _last_step.get(secret, -1) + 1)
    _last_step[secret] = step
    return totp.generate_otp(step)


def remember_secret(page_html: str, username: str) -> str:
    """Read the TOTP secret off an enrolment page and remember it for *username*."""
    match = SECRET_FIELD.search(page_html)
    assert match is not None, "no TOTP secret on the enrolment page"
    _secrets[username.strip().lower()] = match.group(1)
    return match.group(1)


def secret_of(username: str) -> str | None:
    """The TOTP secret this test run enrolled for *username*."""
    return _secrets.get(username.strip().lower())


def login(client: FlaskClient, username: str, password: str = PASSWORD) -> None:
    """Log *client* in through the real form (answering or enrolling TOTP where needed)."""
    response = client.post("/staff/login", data={
        "username": username, "password": password, "csrf_token": csrf_token(client)})
    assert response.status_code == 302, response.get_data(as_text=True)
    if response.headers["Location"].endswith("/staff/login/code"):
        secret = secret_of(username)
        assert secret is not None, f"{username} has TOTP but this test did not enrol it"
        response = client.post("/staff/login/code", data={
            "code": next_code(secret), "csrf_token": csrf_token(client, "/staff/login/code")})
        assert response.status_code == 302, response.get_data(as_text=True)
    # a plain form page without side effects: an admin without TOTP is redirected to enrolment
    if client.get("/staff/account/password").headers.get("Location", "").endswith("/staff/account/totp"):
        page = client.get("/staff/account/totp").get_data(as_text=True)
        secret = remember_secret(page, username)
        response = client.post("/staff/account/totp", data={
            "code": next_code(secret), "csrf_token": CSRF_FIELD.search(page).group(1)})  # type: ignore[union-attr]
        assert response.status_code == 200 and 'id="recovery-codes"' in response.get_data(as_text=True)


def login_in_browser(page: Page, base_url: str, username: str, password: str = PASSWORD) -> None:
    """Log a Playwright page in through the staff login form (with the TOTP step where needed)."""
    page.goto(f"{base_url}/staff/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form:has(input[name=password]) button[type=submit]")
    page.wait_for_url(lambda url: "/staff/login" not in url or url.endswith("/staff/login/code"))
    if page.url.endswith("/staff/login/code"):
        secret = secret_of(username)
        assert secret is not None, f"{username} has TOTP but this test did not enrol it"
        page.fill("input[name=code]", next_code(secret))
        page.click("form:has(input[name=code]) button[type=submit]")
        page.wait_for_url(lambda url: "/staff/login" not in url)
    if page.url.endswith("/staff/account/totp"):
        secret = remember_secret(page.content(), username)
        page.fill("input[name=code]", next_code(secret))
        page.click("form:has(input[name=code]) button[type=submit]")
        page.wait_for_selector("#recovery-codes")  # shown once after enrolment
        page.click("#recovery-continue")
        page.wait_for_url(lambda url: "/staff/account/totp" not in url)
