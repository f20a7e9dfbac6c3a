"""The application factory: one Flask app serving every configured surface."""

from __future__ import annotations

import importlib
import logging
from typing import Any

from flask import Flask, jsonify, redirect, url_for
from sqlalchemy import text
from werkzeug.wrappers import Response

from shared.config import Config, load_config
from shared.db import Database
from shared.runtime import Runtime, get_runtime
from shared.services.events import refresh_occurrences
from shared.services.ics_import import MAX_BYTES as MAX_ICS_BYTES
from shared.speech.synthesis import Synthesizer
from shared.web import protection as web_security
from shared.web import request_session as web
from shared.web.load_shedding import WebhookLoadShedder

# The app factory registers the surfaces by name so `shared` never imports `kiosk` or `ivr`.
SURFACE_MODULES: dict[str, str] = {
    "api": "shared.api",
    "staff": "shared.staff",
    "kiosk": "kiosk",
    "ivr": "ivr",
}
# Subsystems every app runs, registered like the surfaces (``init_app`` and ``register_cli``).
SUBSYSTEM_MODULES = ("shared.printing",)
# The largest upload is an ICS file; a body beyond it plus the form's overhead is refused with 413
# from its Content-Length, before any of it is read or parsed.
MAX_UPLOAD_BYTES = MAX_ICS_BYTES + 64 * 1024


def create_app(config: Config | None = None, database: Database | None = None) -> Flask:
    """Build the app for *config* (default: from the environment)."""
    config = config or load_config()
    logging.basicConfig(level=config.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = Flask("treffpunkt", root_path=str(config.data_dir))
    app.url_map.converters["int"] = web_security.BoundedIntConverter
    app.config.update(
        SECRET_KEY=config.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.secure_cookies,
        MAX_CONTENT_LENGTH=MAX_UPLOAD_BYTES,
        JSON_SORT_KEYS=False,
    )
    app.wsgi_app = web_security.TrustedProxyFix(  # type: ignore[method-assign]
        app.wsgi_app, config.trusted_proxies)
    app.wsgi_app = WebhookLoadShedder(  # type: ignore[method-assign]
        app.wsgi_app, config.webhooks_in_flight, config.webhook_queue_ms / 1000)
    runtime = Runtime(
        config=config, db=database or Database(config.database_url),
        synthesizer=Synthesizer.from_config(config),
    )
    app.extensions["treffpunkt"] = runtime
    web.init_app(app)
    web_security.init_app(app, config)
    runtime.add_daily_job("refresh-occurrences", refresh_occurrences)
    runtime.add_health_check("database", _database_health)
    app.add_url_rule("/healthz", "healthz", _healthz)
    for module_name in (*SUBSYSTEM_MODULES, *(SURFACE_MODULES[surface] for surface in config.surfaces)):
        importlib.import_module(module_name).init_app(app)
    web_security.exempt_blueprints(app)
    if "kiosk" in config.surfaces:
        app.add_url_rule("/", "index", lambda: redirect(url_for("kiosk.start")))
    return app


def _database_health() -> dict[str, Any]:
    try:
        with get_runtime().db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # report any driver error as a failed check
        return {"ok": False, "detail": type(exc).__name__}
    return {"ok": True, "backend": get_runtime().db.engine.dialect.name}


def _healthz() -> tuple[Response, int]:
    checks = {name: check() for name, check in get_runtime().health_checks.items()}
    ok = all(result.get("ok", False) for name, result in checks.items() if name == "database")
    return jsonify({"ok": ok, "checks": checks}), 200 if ok else 503
