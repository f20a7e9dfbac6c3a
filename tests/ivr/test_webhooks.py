"""Whole calls over signed Twilio webhooks, TwiML parsed and checked."""

from __future__ import annotations

import ipaddress
from datetime import datetime, timedelta

import time_machine
from flask import Flask
from sqlalchemy import func, select

from ivr.hotline import get_hotline
from ivr.speech.recognition import VoskRecognizer
from ivr.transports.recordings import VOICE_MESSAGE_JOB
from shared.app import create_app
from shared.clock import BERLIN, utcnow
from shared.config import Config
from shared.db import Database
from shared.jobs import claim, complete
from shared.models import Call, Job, Request, VoiceMessage
from shared.web.load_shedding import WebhookLoadShedder
from shared.web.protection import TrustedProxyFix
from tests.ivr.conftest import CALLER, TwilioPhone, wait_for_recordings

# A Tuesday morning: the Seniorenbüros are open 9–12.
OFFICE_OPEN = datetime(2026, 11, 24, 10, 0, tzinfo=BERLIN)
OFFICE_CLOSED = datetime(2026, 11, 24, 19, 0, tzinfo=BERLIN)


def _requests(db: Database) -> list[Request]:
    with db.session() as session:
        rows = list(session.scalars(select(Request)))
        session.expunge_all()
        return rows


def test_greeting_is_a_dtmf_gather_with_our_own_audio(phone: TwilioPhone) -> None:
    turn = phone.dial_in()
    assert turn.status == 200
    assert turn.verbs() == ["Gather", "Redirect"]
    gather = turn.find("Gather")
    assert gather.attrib["input"] == "dtmf"
    assert gather.attrib["numDigits"] == "1"
    assert int(gather.attrib["timeout"]) >= 8
    assert turn.action_path("Gather") == "/ivr/twilio/step?n=1"
    plays = turn.plays()
    assert len(plays) == 3  # greeting with the privacy key, menu, Turkish offer: all inside the Gather
    assert all(url.startswith("http://localhost/ivr/audio/") and url.endswith(".wav") for url in plays)
    audio = phone.client.get(plays[0].removeprefix("http://localhost"))
    assert audio.status_code == 200
    assert audio.mimetype == "audio/wav"
    assert audio.data[:4] == b"RIFF"
    assert "max-age" in audio.headers["Cache-Control"]


def test_full_home_visit_request_with_recordings(phone: TwilioPhone, ivr_app: Flask, db: Database,
                                                  recording_server: str) -> None:
    phone.dial_in()
    phone.press("2")                       # home visit or callback
    kind = phone.press("1")                # home visit → consent question
    assert kind.find("Gather").attrib["numDigits"] == "1"
    name = phone.press("1")                # consent: yes → record the name
    record = name.find("Record")
    assert record.attrib["finishOnKey"] == "#"
    assert record.attrib["playBeep"] == "true"
    assert int(record.attrib["maxLength"]) <= 60
    district = phone.record(recording_server + "-name")
    assert district.find("Gather").attrib["finishOnKey"] == "#"
    wait = phone.press("4")                # a postcode begins: Twilio gathers the other four keys
    assert (wait.find("Gather").attrib["numDigits"], wait.find("Gather").attrib["timeout"]) == ("4", "3")
    assert wait.plays() == []
    readback = phone.press("4263")         # 44263: Hörde
    assert readback.find("Gather").attrib["numDigits"] == "1"
    phone.press("1")                       # the caller ID is right
    topic = phone.press("1")               # call back in the morning
    assert topic.find("Record").attrib["maxLength"] == "60"
    summary = phone.record(recording_server + "-topic", seconds=12)
    assert summary.find("Gather") is not None
    goodbye = phone.press("1")             # confirm
    assert goodbye.verbs()[-1] == "Hangup"
    requests = _requests(db)
    assert len(requests) == 1
    request = requests[0]
    assert (request.kind, request.channel, request.status) == ("home_visit", "phone", "new")
    assert request.phone_e164 == CALLER and request.preferred_time == "morning"
    with db.session() as session:
        assert session.scalar(select(Call.district_id)) == request.district_id is not None
    assert request.call_sid == phone.call_sid
    assert request.consent_recording and request.consent_data
    wait_for_recordings(ivr_app)
    with db.session() as session:
        purposes = sorted(session.scalars(select(VoiceMessage.purpose)))
        call = session.scalars(select(Call)).one()
        assert call.outcome == "request" and call.request_id == request.id and call.ended_at is not None
    assert purposes == ["name", "topic"]
    # The prompt reading out the caller's number is served during the call …
    readback_audio = readback.plays()[-1].removeprefix("http://localhost")
    assert phone.client.get(readback_audio).status_code == 200
    # … Twilio's completed status callback then changes no request but deletes that audio.
    phone.hang_up()
    assert [r.status for r in _requests(db)] == ["new"]
    assert phone.client.get(readback_audio).status_code == 404
    assert phone.client.get(goodbye.plays()[-1].removeprefix("http://localhost")).status_code == 200


def test_replayed_step_gets_the_same_answer_and_creates_nothing_twice(phone: TwilioPhone, db: Database) -> None:
    phone.dial_in()
    phone.press("2")
    phone.press("2")                      # callback
    phone.press("2")                      # no consent: number only
    phone.press("1")                      # Innenstadt und Eving
    readback = phone.press("3")           # Innenstadt-Ost
    phone.press("1")                      # number right
    confirm = phone.press("4")            # any time → summary
    confirm_path = confirm.action_path("Gather")
    done = phone.post(confirm_path, {"Digits": "1"})
    assert done.verbs()[-1] == "Hangup"
    again = phone.post(confirm_path, {"Digits": "1"})
    assert again.verbs() == done.verbs() and again.plays() == done.plays()
    replay_old = phone.post(readback.action_path("Gather"), {"Digits": "2"})
    assert replay_old.verbs()[-1] == "Hangup"
    requests = _requests(db)
    assert len(requests) == 1
    assert requests[0].kind == "callback" and not requests[0].consent_recording
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(VoiceMessage)) == 0
    voice_again = phone.dial_in()
    assert voice_again.verbs() == done.verbs()


def test_hang_up_half_way_keeps_an_incomplete_request(phone: TwilioPhone, db: Database) -> None:
    phone.dial_in()
    phone.press("2")
    phone.press("2")                      # callback
    phone.press("1")                      # consent
    assert phone.hang_up().status == 204
    requests = _requests(db)
    assert len(requests) == 1
    assert requests[0].status == "incomplete"
    assert requests[0].phone_e164 == CALLER
    assert requests[0].district_id is None
    phone.hang_up()                       # Twilio may send it twice
    assert len(_requests(db)) == 1


def test_hang_up_in_the_main_menu_leaves_no_request(phone: TwilioPhone, db: Database) -> None:
    phone.dial_in()
    phone.hang_up()
    assert _requests(db) == []
    with db.session() as session:
        assert session.scalars(select(Call)).one().outcome == "hung_up"


def test_invalid_keys_reprompt_twice_then_offer_a_person(phone: TwilioPhone) -> None:
    phone.dial_in()
    first = phone.press("7")
    assert first.action_path("Gather").startswith("/ivr/twilio/step")
    phone.press("5")
    person = phone.press("#")
    gather = person.find("Gather")
    assert gather.attrib["finishOnKey"] == "#"  # now asking for the district of the Seniorenbüro


def test_silence_reprompts_and_repeat_key(phone: TwilioPhone) -> None:
    first = phone.dial_in()
    again = phone.silence()
    assert again.find("Gather").attrib["input"] == "dtmf"
    assert len(again.plays()) == 2  # "nothing heard" + the menu
    repeated = phone.press("*")
    assert repeated.plays()[-1] == first.plays()[-2]  # the menu (the Turkish offer follows it only once)


@time_machine.travel(OFFICE_OPEN, tick=False)
def test_person_in_office_hours_is_transferred(phone: TwilioPhone) -> None:
    phone.dial_in()
    phone.press("0")
    phone.press("2")                      # Osten und Hörde
    transfer = phone.press("4")           # Hörde
    dial = transfer.find("Dial")
    assert (dial.text or "").startswith("+49231")
    assert dial.attrib["action"].startswith("http://localhost/ivr/twilio/dial")


@time_machine.travel(OFFICE_CLOSED, tick=False)
def test_person_outside_office_hours_leaves_a_voice_message(phone: TwilioPhone, ivr_app: Flask, db: Database,
                                                            recording_server: str) -> None:
    phone.dial_in()
    phone.press("0")
    phone.press("1")                      # Innenstadt und Eving
    consent = phone.press("4")            # Eving, closed → voice message, consent first
    assert consent.find("Gather") is not None
    record = phone.press("1")
    assert record.find("Record") is not None
    readback = phone.record(recording_server + "-message", seconds=20)
    assert readback.find("Gather") is not None
    phone.press("1")                      # number right
    done = phone.press("3")               # afternoon
    assert done.verbs()[-1] == "Hangup"
    wait_for_recordings(ivr_app)
    requests = _requests(db)
    assert len(requests) == 1 and requests[0].status == "new" and requests[0].kind == "callback"
    with db.session() as session:
        assert list(session.scalars(select(VoiceMessage.purpose))) == ["message"]


@time_machine.travel(OFFICE_CLOSED, tick=False)
def test_a_voice_message_job_survives_a_restart_in_the_middle(phone: TwilioPhone, ivr_app: Flask, db: Database,
                                                              config: Config, recording_server: str,
                                                              recognizer: VoskRecognizer) -> None:
    phone.dial_in()
    phone.press("0")
    phone.press("1")                      # Innenstadt und Eving
    phone.press("4")                      # Eving, closed → voice message
    phone.press("1")                      # consent
    phone.record(recording_server + "-message", seconds=20)
    phone.press("1")                      # number right
    assert phone.press("2").verbs()[-1] == "Hangup"
    dead = claim(db, "server-1", (VOICE_MESSAGE_JOB,), lease_seconds=30)  # this server dies mid-job
    assert dead is not None and set(dead.payload) == {"request_id", "purpose", "url", "duration", "account_sid"}
    restarted = create_app(config, db)     # a new server process on the same database
    fetcher = get_hotline(restarted).fetcher
    fetcher.extra_trusted_origins = ("http://127.0.0.1",)
    fetcher.recognizer = recognizer
    assert fetcher.worker.run_pending() == 0  # the lease still holds
    with time_machine.travel(utcnow() + timedelta(seconds=31), tick=False):
        assert fetcher.worker.run_pending() == 1
    get_hotline(ivr_app).fetcher.process(dict(dead.payload))  # the old worker wakes up: stores nothing
    assert not complete(db, dead, "server-1")
    with db.session() as session:
        messages = list(session.scalars(select(VoiceMessage)))
        job = session.scalars(select(Job)).one()
        assert len(messages) == 1 and messages[0].purpose == "message"
        assert messages[0].transcript is not None and messages[0].transcribed_at is not None
        assert (job.state, job.attempts) == ("done", 2)


def test_forged_or_missing_signature_is_refused(phone: TwilioPhone, db: Database) -> None:
    assert phone.post("/ivr/twilio/voice", signature="forged").status == 403
    assert phone.post("/ivr/twilio/voice", signature="").status == 403
    valid = phone.validator.compute_signature("http://localhost/ivr/twilio/voice", phone.params({}))
    tampered = phone.client.post("/ivr/twilio/voice", data=phone.params({"From": "+4930123456"}),
                                 headers={"X-Twilio-Signature": valid})
    assert tampered.status_code == 403
    assert phone.post("/ivr/twilio/status", {"CallStatus": "completed"}, signature="x").status == 403
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Call)) == 0


def test_signature_checked_against_the_public_url_behind_a_tls_proxy(phone: TwilioPhone, ivr_app: Flask) -> None:
    params = phone.params({})
    url = "https://hotline.example.org/ivr/twilio/voice"
    signature = phone.validator.compute_signature(url, params)
    headers = {"X-Twilio-Signature": signature, "X-Forwarded-Proto": "https", "X-Forwarded-Host": "hotline.example.org"}
    # Forwarded headers from a peer that is not a configured proxy are not believed.
    assert phone.client.post("/ivr/twilio/voice", data=params, headers=headers).status_code == 403
    shedder = ivr_app.wsgi_app
    assert isinstance(shedder, WebhookLoadShedder)
    proxy_fix = shedder.app
    assert isinstance(proxy_fix, TrustedProxyFix)
    proxy_fix.networks = (ipaddress.ip_network("127.0.0.1/32"),)  # TREFFPUNKT_TRUSTED_PROXIES=127.0.0.1
    response = phone.client.post("/ivr/twilio/voice", data=params, headers=headers)
    assert response.status_code == 200
    assert b"https://hotline.example.org/ivr/twilio/step" in response.data


def test_healthz_reports_keys_only_without_a_model(ivr_client) -> None:  # type: ignore[no-untyped-def]
    speech = ivr_client.get("/healthz").get_json()["checks"]["speech"]
    assert speech["speech_input"] is False
    assert "keys only" in speech["recognition"]


@time_machine.travel(OFFICE_OPEN, tick=False)
def test_events_today_in_a_district_then_callback_about_one(phone: TwilioPhone, db: Database) -> None:
    from datetime import timedelta

    from shared.models import Event
    from shared.services.events import save_event
    from shared.services.places import venue_by_slug

    with db.session() as session:
        venue = venue_by_slug(session, "bz-hoerde")
        for title, hour in (("Sitzgymnastik", 14), ("Erzählcafé", 16)):
            start = OFFICE_OPEN.replace(hour=hour)
            save_event(session, Event(title=title, start=start, end=start + timedelta(hours=2),
                                      venue_id=venue.id, district_id=venue.district_id))
        event_ids = {event.title: event.id for event in session.scalars(select(Event))}
    phone.dial_in()
    phone.press("1")                       # events
    district = phone.press("1")            # today
    assert district.find("Gather").attrib["finishOnKey"] == "#"
    phone.press("2")                       # Osten und Hörde
    first = phone.press("4")               # Hörde → "Hörde", "2 events", the first one, its keys
    assert len(first.plays()) >= 4
    second = phone.press("2")              # next
    assert second.plays()[0] != first.plays()[2]
    consent = phone.press("3")             # callback about "Erzählcafé"
    assert consent.find("Gather") is not None
    phone.press("2")                       # no recording
    phone.press("1")                       # caller ID is right
    phone.press("2")                       # midday → summary
    phone.press("1")                       # confirmed
    requests = _requests(db)
    assert len(requests) == 1
    assert requests[0].event_id == event_ids["Erzählcafé"]
    assert requests[0].kind == "callback" and requests[0].status == "new"
    with db.session() as session:
        assert requests[0].district_id == session.scalars(select(Call)).one().district_id


@time_machine.travel(OFFICE_OPEN, tick=False)
def test_no_events_goes_back_to_the_main_menu(phone: TwilioPhone) -> None:
    phone.dial_in()
    phone.press("1")
    phone.press("2")                       # tomorrow
    menu = phone.press("0")                # all districts, nothing on
    assert menu.find("Gather").attrib["numDigits"] == "1"
    assert len(menu.plays()) == 3          # "all districts", "no events", the main menu


def test_recording_credentials_go_only_to_twilio(ivr_app: Flask) -> None:
    fetcher = get_hotline(ivr_app).fetcher
    fetcher.extra_trusted_origins = ()
    assert fetcher.is_trusted("https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1.wav")
    assert not fetcher.is_trusted("http://api.twilio.com/Recordings/RE1.wav")
    assert not fetcher.is_trusted("https://api.twilio.com.evil.example/Recordings/RE1.wav")
    assert not fetcher.is_trusted("https://127.0.0.1/Recordings/RE1.wav")
