"""Fixtures of the dashboard tests: staff accounts, logged-in clients, requests with recordings."""

from __future__ import annotations

import io
import wave
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from shared.config import Config
from shared.db import Database
from shared.models import Request, VoiceMessage
from shared.services.recordings import store_voice_message
from shared.services.requests import NewRequest, create_request
from shared.services.staff_users import create_user
from tests.support.staff_login import PASSWORD, csrf_token, login


def post(client: FlaskClient, path: str, data: dict[str, str], form_page: str = "/staff/") -> object:
    """POST a form with a valid CSRF token taken from *form_page*."""
    return client.post(path, data={**data, "csrf_token": csrf_token(client, form_page)})


@dataclass(frozen=True)
class Staff:
    admin: int
    hoerde: int
    eving: int


@pytest.fixture
def staff_users(db: Database) -> Staff:
    """An admin, a Hörde team lead and an Eving team member, all with :data:`PASSWORD`."""
    with db.session() as session:
        admin = create_user(session, "chefin", PASSWORD, "admin", display_name="Chefin")
        hoerde = create_user(session, "hoerde1", PASSWORD, "staff", "hoerde", "Hanna Hörde", team_lead=True)
        eving = create_user(session, "eving1", PASSWORD, "staff", "eving", "Emil Eving")
        return Staff(admin.id, hoerde.id, eving.id)


def client_for(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    login(client, username)
    return client


@pytest.fixture
def hoerde_client(app: Flask, staff_users: Staff) -> FlaskClient:
    return client_for(app, "hoerde1")


@pytest.fixture
def eving_client(app: Flask, staff_users: Staff) -> FlaskClient:
    return client_for(app, "eving1")


@pytest.fixture
def admin_client(app: Flask, staff_users: Staff) -> FlaskClient:
    return client_for(app, "chefin")


def wav_bytes(seconds: float = 1.0, rate: int = 8000) -> bytes:
    """A real, silent-ish mono WAV file."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes(b"\x01\x00\xff\xff" * int(rate * seconds / 2))
    return buffer.getvalue()


RequestFactory = Callable[..., Request]


@pytest.fixture
def make_request(db: Database, config: Config) -> RequestFactory:
    """Create (and commit) a request, optionally with a voice message."""
    counter = iter(range(1, 10_000))

    def factory(district: str | None = "hoerde", phone: str = "0231 1234567", channel: str = "phone",
                name: str = "Erika Muster", topic: str = "Hilfe im Haushalt", voice: bytes | None = None,
                kind: str = "callback") -> Request:
        with db.session() as session:
            request, _ = create_request(session, NewRequest(
                kind=kind, channel=channel, district_slug=district, phone=phone, caller_name=name, topic=topic,
                consent_data=True, consent_recording=voice is not None, incomplete=district is None,
                idempotency_key=f"test-{next(counter)}"), actor="test")
            if voice is not None:
                store_voice_message(session, config.data_dir, request, "message", voice, 1.0,
                                    transcript="Bitte rufen Sie mich an.")
            session.flush()
            session.expunge_all()
            return request

    return factory


def voice_of(session: Session, request_id: int) -> VoiceMessage:
    return session.query(VoiceMessage).filter_by(request_id=request_id).one()
