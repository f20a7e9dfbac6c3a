"""Throttling of failed staff logins, per account and per address, shared by every app server.

Failures are counted in a sliding window of 15 minutes. The store follows
``TREFFPUNKT_RATELIMIT_STORAGE_URL``: ``database`` (default) keeps them in the ``login_failures``
table, so all processes on one database share one count; ``redis://…`` keeps them in Redis;
``memory://`` in this process only (the single-process demo). Keys are SHA-256 digests: neither
the user names tried nor the addresses are stored.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

from limits import RateLimitItemPerMinute
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import delete, func, select

from shared.clock import utcnow
from shared.db import Database
from shared.models import LoginFailure

WINDOW = timedelta(minutes=15)
ACCOUNT_LIMIT = 5  # failures per account (user name), from anywhere
ADDRESS_LIMIT = 30  # failures per address: an office shares one


def account_key(username: str) -> str:
    """The throttle key of a user name (case and spaces ignored)."""
    return "account:" + hashlib.sha256(username.strip().casefold().encode()).hexdigest()


def address_key(address: str) -> str:
    """The throttle key of a client address."""
    return "address:" + hashlib.sha256(address.encode()).hexdigest()


def _limit_of(key: str) -> int:
    return ACCOUNT_LIMIT if key.startswith("account:") else ADDRESS_LIMIT


class LoginThrottle(Protocol):
    """Counts failures; says how long a key must wait."""

    def blocked(self, keys: tuple[str, ...]) -> bool:
        """True if any key has reached its limit within the window."""

    def failed(self, keys: tuple[str, ...]) -> None:
        """Count one failure for every key."""


@dataclass
class DatabaseThrottle:
    """Failures as rows of ``login_failures``: one count across all app servers."""

    db: Database

    def blocked(self, keys: tuple[str, ...]) -> bool:
        since = utcnow() - WINDOW
        with self.db.session() as session:
            counts = dict(session.execute(
                select(LoginFailure.key, func.count()).where(LoginFailure.key.in_(keys), LoginFailure.at > since)
                .group_by(LoginFailure.key)).all())
        return any(counts.get(key, 0) >= _limit_of(key) for key in keys)

    def failed(self, keys: tuple[str, ...]) -> None:
        now = utcnow()
        with self.db.session() as session:
            session.execute(delete(LoginFailure).where(LoginFailure.at <= now - WINDOW))
            session.add_all(LoginFailure(key=key, at=now) for key in keys)


@dataclass
class MemoryThrottle:
    """Failures in this process only (the single-process demo)."""

    seen: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self.seen[key]
        while times and times[0] <= now - WINDOW.total_seconds():
            times.popleft()
        return times

    def blocked(self, keys: tuple[str, ...]) -> bool:
        now = time.monotonic()
        with self.lock:
            return any(len(self._recent(key, now)) >= _limit_of(key) for key in keys)

    def failed(self, keys: tuple[str, ...]) -> None:
        now = time.monotonic()
        with self.lock:
            for key in keys:
                self._recent(key, now).append(now)


class RedisThrottle:
    """Failures in Redis (a moving window per key), for deployments that run one."""

    def __init__(self, url: str) -> None:
        self.limiter = MovingWindowRateLimiter(storage_from_string(url))
        minutes = int(WINDOW.total_seconds() // 60)
        self.items = {"account": RateLimitItemPerMinute(ACCOUNT_LIMIT, minutes),
                      "address": RateLimitItemPerMinute(ADDRESS_LIMIT, minutes)}

    def blocked(self, keys: tuple[str, ...]) -> bool:
        return any(not self.limiter.test(self.items[key.split(":", 1)[0]], "treffpunkt-login", key) for key in keys)

    def failed(self, keys: tuple[str, ...]) -> None:
        for key in keys:
            self.limiter.hit(self.items[key.split(":", 1)[0]], "treffpunkt-login", key)


def throttle_for(storage_url: str, db: Database) -> LoginThrottle:
    """The throttle for ``TREFFPUNKT_RATELIMIT_STORAGE_URL``."""
    if storage_url.startswith(("redis://", "rediss://")):
        return RedisThrottle(storage_url)
    if storage_url.startswith("memory://"):
        return MemoryThrottle()
    return DatabaseThrottle(db)
