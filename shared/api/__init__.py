"""The public JSON API (``/api/v1``): events, places, ICS export and kiosk requests."""

from __future__ import annotations

from flask import Flask

from shared.api.views import bp


def init_app(app: Flask) -> None:
    """Register the API blueprint."""
    app.register_blueprint(bp)
