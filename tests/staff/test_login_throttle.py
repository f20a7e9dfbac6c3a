"""Login throttling shared between app servers (issue 12): the database (or Redis) counts failed
logins per account and per address for every process; nothing readable is stored."""

from __future__ import annotations

import secrets

import pytest
from flask import Flask
from sqlalchemy import select

from shared.app import create_app
from shared.config import Config
from shared.db import Database
from shared.models import LoginFailure
from shared.services.login_throttle import RedisThrottle, account_key, address_key
from tests.staff.conftest import Staff
from tests.support.staff_login import PASSWORD, csrf_token


def _try(app: Flask, username: str, password: str, address: str = "198.51.100.20") -> int:
    client = app.test_client()
    token = csrf_token(client)
    return client.post("/staff/login", data={"username": username, "password": password, "csrf_token": token},
                       environ_base={"REMOTE_ADDR": address}).status_code


def test_two_app_servers_share_the_account_limit(config: Config, db: Database, staff_users: Staff) -> None:
    first = create_app(config, Database(config.database_url))
    second = create_app(config, Database(config.database_url))
    codes = [_try(server, "hoerde1", f"falsch-{n}", f"203.0.113.{n}") for n, server in
             enumerate([first, second, first, second, first])]
    assert codes == [401] * 5
    assert _try(second, "hoerde1", PASSWORD, "203.0.113.99") == 429  # even the right password now waits
    assert _try(first, "eving1", PASSWORD) == 302  # other accounts are not locked out
    with db.session() as session:
        keys = set(session.scalars(select(LoginFailure.key)))
    assert account_key("hoerde1") in keys and address_key("203.0.113.0") in keys
    assert not any("hoerde" in key or "203.0.113" in key for key in keys)


def test_one_office_address_is_limited_only_after_thirty_failures(app: Flask, staff_users: Staff) -> None:
    codes = [_try(app, f"kollege{n}", "falsch") for n in range(30)]
    assert codes == [401] * 30
    assert _try(app, "hoerde1", PASSWORD) == 429


def test_redis_store_counts_across_processes() -> None:
    url = "redis://127.0.0.1:6379"
    try:
        first, second = RedisThrottle(url), RedisThrottle(url)
        keys = (account_key(f"redis-test-{secrets.token_hex(8)}"), address_key(secrets.token_hex(8)))
        first.failed(keys)
    except Exception as exc:  # no Redis on this machine
        pytest.skip(f"no Redis at {url}: {type(exc).__name__}")
    for _ in range(2):
        first.failed(keys)
        second.failed(keys)
    assert second.blocked(keys) and first.blocked(keys)
    assert not first.blocked((account_key(f"other-{secrets.token_hex(8)}"),))
