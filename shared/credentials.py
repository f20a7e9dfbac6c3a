"""Password hashing (argon2id) and token helpers."""

from __future__ import annotations

import hmac
import os
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# argon2id with OWASP's recommended minimum (19 MiB, 2 passes, 1 lane) instead of the library's
# 64 MiB: every hash in flight holds that memory.
MEMORY_KIB = 19 * 1024
TIME_COST = 2
PARALLELISM = 1
# Hashing runs on this many dedicated threads per process, so a burst of (failed) logins cannot
# take the server's memory: 16 parallel attempts cost 2 × 19 MiB, not 16 × 64 MiB, and the freed
# buffers are reused by the same two threads (the allocator keeps memory per thread). The rest wait.
CONCURRENT_HASHES = 2

_hasher = PasswordHasher(time_cost=TIME_COST, memory_cost=MEMORY_KIB, parallelism=PARALLELISM)


def _hashing_threads() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=CONCURRENT_HASHES, thread_name_prefix="argon2")


_hashing = _hashing_threads()


def _renew_after_fork() -> None:
    """A forked child (a gunicorn worker) has none of its parent's threads: waiting on them would hang."""
    global _hashing
    _hashing = _hashing_threads()


os.register_at_fork(after_in_child=_renew_after_fork)


def hash_password(password: str) -> str:
    """Hash a password with argon2id."""
    return _hashing.submit(_hasher.hash, password).result()


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def verify_password(password_hash: str, password: str) -> bool:
    """True if *password* matches; never raises for a wrong or malformed hash."""
    return _hashing.submit(_verify, password_hash, password).result()


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)


def tokens_equal(left: str, right: str) -> bool:
    """Compare secrets in constant time."""
    return hmac.compare_digest(left.encode(), right.encode())
