"""The telephone hotline surface (Twilio webhooks and Media Streams, Vosk, pyttsx3)."""

from __future__ import annotations

from typing import Any

import click
from flask import Blueprint, Flask, request
from flask_sock import Sock

from ivr.hotline import EXTENSION, build_hotline, get_hotline
from ivr.transports import softphone, webhooks
from ivr.transports.stream import serve
from ivr.transports.sweep import sweep_worker
from shared.runtime import get_runtime

sock = Sock()


def init_app(app: Flask) -> None:
    """Register the hotline: webhooks, media stream, softphone page, speech health check."""
    runtime = get_runtime(app)
    hotline = build_hotline(runtime.config, runtime.db, runtime.synthesizer)
    app.extensions[EXTENSION] = hotline
    blueprint = Blueprint("ivr", __name__, url_prefix="/ivr", template_folder="templates",
                          static_folder="static", static_url_path="/static")
    webhooks.register(blueprint)
    softphone.register(blueprint)

    @sock.route("/stream", bp=blueprint)  # type: ignore[untyped-decorator]
    def stream(ws: Any) -> None:
        serve(get_hotline(), ws, request.remote_addr or "")

    app.register_blueprint(blueprint)
    runtime.add_health_check("speech", hotline.health)
    runtime.add_worker("ivr-warm-prompts", lambda _stop: hotline.warm_and_wait())
    runtime.add_worker("ivr-sweep-abandoned-calls", sweep_worker(hotline))
    runtime.add_worker("ivr-voice-messages", hotline.fetcher.worker.loop)


def register_cli(group: click.Group) -> None:
    """``treffpunkt call``, ``treffpunkt say`` and ``treffpunkt models``."""
    from ivr.cli import call_command, models_group, say_command

    group.add_command(call_command)
    group.add_command(say_command)
    group.add_command(models_group)
