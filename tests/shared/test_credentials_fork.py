"""Password hashing in a forked worker (gunicorn forks after the master may have hashed)."""

from __future__ import annotations

import os
import signal
import time

from shared.credentials import hash_password, verify_password


def test_hashing_works_in_a_child_forked_after_the_parent_hashed() -> None:
    assert verify_password(hash_password("parent-password-1"), "parent-password-1")  # the parent's threads run
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        ok = verify_password(hash_password("child-password-12"), "child-password-12")
        os._exit(0 if ok else 1)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        done, status = os.waitpid(child, os.WNOHANG)
        if done:
            assert os.waitstatus_to_exitcode(status) == 0
            return
        time.sleep(0.05)
    os.kill(child, signal.SIGKILL)
    os.waitpid(child, 0)
    raise AssertionError("hashing in the forked child hung")
