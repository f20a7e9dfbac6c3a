"""The HTTP server of ``treffpunkt serve``: gunicorn, ``TREFFPUNKT_WEB_WORKERS`` processes of many threads.

Threads, because every hotline media stream and softphone holds a WebSocket (and so a thread) for
the length of a call; the worker class (``shared/web/worker.py``) is gthread that measures how long
a request waited for a thread, so webhooks are refused instead of queued. One process by default,
so the background workers and the recogniser exist once; with more, each process is an app server
of its own (a call's state is in the database, daily jobs and print jobs are claimed across
servers), which spreads webhooks and streams over the cores. The application is built inside the
worker process, after the fork, so no database connection crosses it. No access log: request lines
would carry call ids and references into the logs.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from shared.runtime import get_runtime

THREADS = 64
GRACEFUL_SECONDS = 10


class TreffpunktServer(BaseApplication):  # type: ignore[misc]  # gunicorn ships no type hints
    """Serves the app that *build* returns, with the runtime's workers started in the same process."""

    def __init__(self, build: Callable[[], Flask], host: str, port: int, log_level: str = "info",
                 workers: int = 1) -> None:
        self.build = build
        self.options = {
            "bind": f"{host}:{port}", "workers": workers, "worker_class": "shared.web.worker.QueueTimedWorker",
            "threads": THREADS,
            "graceful_timeout": GRACEFUL_SECONDS, "keepalive": 5, "accesslog": None,
            "errorlog": "-", "loglevel": log_level.lower(), "proc_name": "treffpunkt", "control_socket_disable": True,
            "worker_exit": _stop_workers,
        }
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        app = self.build()
        get_runtime(app).start_workers()
        # What the app holds from here on (modules, templates, the recogniser's tables) lives as long as the
        # process: out of the collector's generations, so a full collection no longer walks it in mid-request.
        gc.collect()
        gc.freeze()
        return app


def _stop_workers(_server: Any, worker: Any) -> None:
    """gunicorn hook: stop the background workers when the worker process ends."""
    app = getattr(worker, "wsgi", None)
    if isinstance(app, Flask) and "treffpunkt" in app.extensions:
        get_runtime(app).stop_workers()
