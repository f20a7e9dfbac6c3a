"""The public JSON API (``/api/v1``): events, places, ICS export and kiosk requests."""

from __future__ import annotations

from flask import Flask

from shared.api import node_views  # noqa: F401 - registers the kiosk-node routes on the blueprint
from shared.api.views import bp
from shared.runtime import get_runtime
from shared.services.schedule_feed import purge_tombstones


def init_app(app: Flask) -> None:
    """Register the API blueprint and the daily purge of the feed's tombstones."""
    app.register_blueprint(bp)
    get_runtime(app).add_daily_job("deleted-events-purge", purge_tombstones)
