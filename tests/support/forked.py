"""Run a check in a forked child, as gunicorn forks its workers from a master that already worked."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable


def assert_works_in_forked_child(work: Callable[[], bool], what: str, seconds: float = 40) -> None:
    """Fork; the child runs *work* and exits 0 if it returned True. Fails if it fails or hangs."""
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        try:
            ok = work()
        except Exception:
            ok = False
        os._exit(0 if ok else 1)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        done, status = os.waitpid(child, os.WNOHANG)
        if done:
            assert os.waitstatus_to_exitcode(status) == 0, f"{what} failed in the forked child"
            return
        time.sleep(0.05)
    os.kill(child, signal.SIGKILL)
    os.waitpid(child, 0)
    raise AssertionError(f"{what} in the forked child hung")
