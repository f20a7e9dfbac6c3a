"""Password hashing in a forked worker (gunicorn forks after the master may have hashed)."""

from __future__ import annotations

from shared.credentials import hash_password, verify_password
from tests.support.forked import assert_works_in_forked_child


def test_hashing_works_in_a_child_forked_after_the_parent_hashed() -> None:
    assert verify_password(hash_password("parent-password-1"), "parent-password-1")  # the parent's threads run
    assert_works_in_forked_child(
        lambda: verify_password(hash_password("child-password-12"), "child-password-12"), "hashing", 30)
