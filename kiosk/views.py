"""Kiosk screens: start, event lists, choosers, event detail, printing, speech and idle reset."""

from __future__ import annotations

import io
import secrets
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import qrcode
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from sqlalchemy import update
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response as BaseResponse

from kiosk import form_state
from kiosk.centre import Centre, current_centre, phone_for_people
from kiosk.language import LANGUAGE_KEY, LANGUAGES, PAGES, current_language
from kiosk.listing import ListScope, UnknownScope, first_entries, list_page, page_size, resolve_scope
from kiosk.slips import event_slip, place_name, schedule_slip, slip_limit
from kiosk.speech import KINDS, MAX_PART_CHARS, SpeechPart, speech_audio
from kiosk.texts import (
    CATEGORIES,
    PRINT_PROGRESS,
    PRINTING,
    SPEECH_FAILED,
    SPEECH_REFUSED,
    category_label,
)
from shared.clock import as_local, as_utc, local_now, utcnow
from shared.errors import NotFound
from shared.i18n import full_date, short_date
from shared.models import Kiosk
from shared.models.vocabulary import JobState
from shared.printing.queue import JobProgress, enqueue_here, job_progress
from shared.runtime import get_runtime
from shared.services.events import OccurrenceView, get_event, next_occurrences
from shared.services.places import districts
from shared.speech.ear_text import spoken_phone, spoken_reference
from shared.speech.synthesis import SynthesisError
from shared.web.protection import limiter
from shared.web.request_session import db_session

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk", template_folder="templates", static_folder="static")

SPEECH_RATE = "40/minute"  # per kiosk session: a screen read in parts, a few times over
SPEECH_SESSION_KEY = "kiosk_speech"
CENTRE_SECONDS = 60  # a renamed centre or a new office phone number shows within a minute
SEEN_SECONDS = 60  # staff alert after 10 silent minutes; a write a minute is plenty


def centre() -> Centre:
    """The centre of this kiosk, read from the database at most once a minute per server process."""
    cached: tuple[float, Centre] | None = current_app.extensions.get("kiosk_centre")
    if cached is None or time.monotonic() - cached[0] > CENTRE_SECONDS:
        cached = (time.monotonic(), current_centre(db_session()))
        current_app.extensions["kiosk_centre"] = cached
    return cached[1]


def language() -> str:
    """The language the senior chose (German by default)."""
    return current_language()


def safe_back(default: str) -> str:
    """The ``back`` argument if it points into the kiosk, else *default* (no open redirects)."""
    back = request.args.get("back", "")
    if back.startswith("/kiosk/") and not back.startswith("//") and "\\" not in back:
        return back
    return default


@bp.context_processor
def kiosk_context() -> dict[str, Any]:
    """Values every kiosk template uses."""
    return {
        **PAGES.template_helpers(),
        "centre_name": _centre_name(),
        "languages": LANGUAGES,
        "language": language(),
        "large_text": form_state.large_text(),
        "idle_seconds": get_runtime().config.kiosk_idle_seconds,
        "idle_prompt_seconds": get_runtime().config.kiosk_idle_prompt_seconds,
        "place_name": place_name,
        "category_label": category_label,
        "once_token": form_state.once_token,
    }


def _centre_name() -> str:
    """The centre's name; empty while the database is unreachable (the error page still renders)."""
    try:
        return centre().name
    except SQLAlchemyError:
        return ""


@bp.app_template_filter("short_date")
def short_date_filter(value: datetime) -> str:
    """Short weekday, day and month in the screen language ("Di., 1. Dez.", "1 Ara Sal")."""
    return short_date(value.date(), language())


@bp.app_template_filter("full_date")
def full_date_filter(value: datetime) -> str:
    """Weekday, day, month and year in the screen language ("Dienstag, 1. Dezember 2026")."""
    return full_date(as_local(value).date(), language())


@bp.app_template_filter("clock")
def clock_filter(value: datetime) -> str:
    """Hours and minutes in Dortmund ("14:30")."""
    return f"{as_local(value):%H:%M}"


@bp.app_template_filter("people_phone")
def people_phone_filter(value: str) -> str:
    """A phone number as people dial it ("0231 50-29408")."""
    return phone_for_people(value)


@bp.before_request
def mark_kiosk_seen() -> None:
    """A browser kiosk counts as seen on each page view (written at most once a minute per process)."""
    last: float = current_app.extensions.get("kiosk_seen", 0.0)
    if time.monotonic() - last < SEEN_SECONDS:
        return
    current_app.extensions["kiosk_seen"] = time.monotonic()
    kiosk_id = centre().kiosk_id
    if kiosk_id is None:  # not registered, or a kiosk node (its heartbeat reports instead)
        return
    db = db_session()
    try:
        db.execute(update(Kiosk).where(Kiosk.id == kiosk_id).values(last_seen_at=utcnow()))
        db.commit()
    except SQLAlchemyError:  # a busy database must not cost the senior the page
        db.rollback()


@bp.app_template_filter("spoken_phone")
def spoken_phone_filter(value: str) -> str:
    """A phone number as it is read aloud: in groups of digits, in the screen language."""
    return spoken_phone(value, language())


@bp.app_template_filter("spoken_reference")
def spoken_reference_filter(value: str) -> str:
    """A request reference as it is read aloud: in blocks of two digits."""
    return spoken_reference(value, language())


@bp.after_request
def never_cache_pages(response: Response) -> Response:
    """No kiosk page is kept by the browser: Back after an idle reset cannot bring a senior's answers back."""
    if response.mimetype == "text/html":
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/")
def start() -> str:
    """The start screen; coming back here abandons any half-filled request form."""
    form_state.forget_form()
    return render_template("kiosk/start.html", now=local_now(), back_url=url_for("kiosk.start"))


@bp.post("/language")
def choose_language() -> BaseResponse:
    """Switch the screen language until the next idle reset."""
    chosen = request.form.get("language", "de")
    if chosen in LANGUAGES:
        session[LANGUAGE_KEY] = chosen
    return redirect(safe_back(url_for("kiosk.start")))


@bp.post("/large-text")
def toggle_large_text() -> BaseResponse:
    """Switch larger text on or off until the next idle reset."""
    session[form_state.LARGE_TEXT_KEY] = not form_state.large_text()
    return redirect(safe_back(url_for("kiosk.start")))


@bp.post("/reset")
def reset() -> BaseResponse:
    """Idle reset: forget everything this senior entered or chose, back to Start."""
    form_state.forget_everything()
    return redirect(url_for("kiosk.start"))


def _scope_or_404(name: str, slug: str) -> ListScope:
    try:
        return resolve_scope(db_session(), name, slug, language=language())
    except UnknownScope:
        abort(404)


@bp.get("/events/<scope>", defaults={"slug": ""})
@bp.get("/events/<scope>/<slug>")
def event_list(scope: str, slug: str) -> str:
    """One page of a list of events, in chronological order ("Heute" without what is over)."""
    chosen = _scope_or_404(scope, slug)
    page = list_page(db_session(), chosen, request.args.get("page", 1, type=int) or 1,
                     page_size(form_state.large_text()))
    default_back = url_for("kiosk." + ("districts_chooser" if scope == "district" else "topics_chooser")) \
        if scope in ("district", "topic") else url_for("kiosk.start")
    return render_template(
        "kiosk/event_list.html", scope=chosen, page=page, home_district_id=centre().district_id,
        back_url=default_back, here=url_for("kiosk.event_list", scope=scope, slug=slug or None, page=page.number),
    )


@bp.get("/districts")
def districts_chooser() -> str:
    """Choose a Stadtbezirk."""
    return render_template("kiosk/districts.html", districts=districts(db_session()),
                           home_district_id=centre().district_id, back_url=url_for("kiosk.start"))


@bp.get("/topics")
def topics_chooser() -> str:
    """Choose a topic."""
    return render_template("kiosk/topics.html", topics=CATEGORIES, back_url=url_for("kiosk.start"))


def requested_occurrence(event_id: int) -> tuple[OccurrenceView, list[OccurrenceView]]:
    """The occurrence asked for (``at`` = its UTC start) or the next one, and the further dates."""
    session = db_session()
    try:
        event = get_event(session, event_id)
    except NotFound:
        abort(404)
    upcoming = next_occurrences(session, event, 4)
    at = request.args.get("at", "")
    chosen = next((view for view in upcoming if view.start.isoformat() == at), None)
    if chosen is None and at:
        try:
            start = as_utc(datetime.fromisoformat(at))
        except ValueError:
            abort(404)
        chosen = OccurrenceView(event, start, start + (event.end - event.start))
    if chosen is None:
        chosen = upcoming[0] if upcoming else OccurrenceView(event, event.start, event.end)
    return chosen, [view for view in upcoming if view.start != chosen.start][:3]


def _event_url(view: OccurrenceView) -> str:
    """Where the event's QR code leads: its phone page (see :mod:`kiosk.mobile`)."""
    from kiosk.mobile import public_event_url  # the phone page builds on this module

    return public_event_url(view, request.host_url.rstrip("/"))


@bp.get("/event/<int:event_id>")
def event_detail(event_id: int) -> str:
    """Everything about one event, with a QR code and a print button."""
    view, more = requested_occurrence(event_id)
    return render_template("kiosk/event_detail.html", view=view, more=more,
                           back_url=safe_back(url_for("kiosk.event_list", scope="today")),
                           here=request.full_path.rstrip("?"))


@bp.get("/event/<int:event_id>/qr.png")
def event_qr(event_id: int) -> Response:
    """A QR code with the event's address, for a senior's phone or a relative."""
    view, _more = requested_occurrence(event_id)
    image = qrcode.make(_event_url(view), box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    buffer.seek(0)
    return send_file(buffer, mimetype="image/png", max_age=3600)


def _queue(make_slip: Callable[[], Any]) -> BaseResponse:
    """Queue the slip, once per screen: a double tap or two simultaneous posts with the same
    ``once`` token print one slip and both show its progress."""
    db = db_session()

    def enqueue() -> dict[str, Any]:
        job = enqueue_here(db, make_slip(), get_runtime().config)
        db.flush()
        return {"job_id": job.id}

    token = request.form.get("once", "")[:64]
    result = form_state.once(db, f"print:{token}", enqueue) if token else enqueue()
    if not token:
        db.commit()
    return redirect(url_for("kiosk.print_status", job_id=result["job_id"], back=safe_back(url_for("kiosk.start"))))


@bp.post("/print/events/<scope>", defaults={"slug": ""})
@bp.post("/print/events/<scope>/<slug>")
def print_list(scope: str, slug: str) -> BaseResponse:
    """Queue the whole list (every page) for printing."""
    chosen = _scope_or_404(scope, slug)
    entries = first_entries(db_session(), chosen, slip_limit(form_state.large_text()))
    if entries.total == 0:  # no slip for an empty list: the list screen says there is nothing
        return redirect(url_for("kiosk.event_list", scope=scope, slug=slug or None))
    from kiosk.mobile import public_list_url  # the phone page builds on this module

    qr_url = public_list_url(scope, slug, language(), request.host_url.rstrip("/"))
    return _queue(lambda: schedule_slip(centre(), chosen.heading, entries.views, language(),
                                        form_state.large_text(), entries.total, qr_url))


@bp.post("/print/event/<int:event_id>")
def print_event(event_id: int) -> BaseResponse:
    """Queue one event for printing."""
    view, _more = requested_occurrence(event_id)
    return _queue(lambda: event_slip(centre(), view, _event_url(view), language(), form_state.large_text()))


def progress_text(progress: JobProgress) -> str:
    """What to tell the senior about a print job, in plain words."""
    done = progress.state == JobState.DONE
    return str(PRINT_PROGRESS.get(JobState.DONE if done else progress.reason, PRINTING))


def _progress_or_404(job_id: int) -> JobProgress:
    try:
        return job_progress(db_session(), job_id)
    except NotFound:
        abort(404)


@bp.get("/print/<int:job_id>")
def print_status(job_id: int) -> str:
    """Printing progress and outcome in plain words (updated by kiosk.js)."""
    progress = _progress_or_404(job_id)
    return render_template("kiosk/print_status.html", job_id=job_id, message=progress_text(progress),
                           final=progress.final,
                           back_url=safe_back(url_for("kiosk.start")))


@bp.get("/print/<int:job_id>/progress.json")
def print_progress(job_id: int) -> Response:
    """The same words as JSON for the progress page's script."""
    progress = _progress_or_404(job_id)
    return jsonify({"state": progress.state, "reason": progress.reason, "message": progress_text(progress),
                    "final": progress.final})


def speech_session_key() -> str:
    """The rate-limit key of read-aloud: this kiosk session (a browser's own id), not its address."""
    key = session.get(SPEECH_SESSION_KEY)
    if not isinstance(key, str):
        key = secrets.token_urlsafe(16)
        session[SPEECH_SESSION_KEY] = key
    return "kiosk-speech:" + key


@bp.post("/speech.wav")
@limiter.limit(SPEECH_RATE, key_func=speech_session_key)
def speech() -> Response | tuple[Response, int]:
    """One short part of the screen read aloud. The text comes in the POST body (never in a URL);
    personal parts are rendered in memory, answered ``no-store`` and kept nowhere."""
    text = " ".join(request.form.get("text", "").split())
    lang = request.form.get("lang", "de")
    kind = request.form.get("kind", "text")
    if not text or len(text) > MAX_PART_CHARS or lang not in LANGUAGES or kind not in KINDS:
        return jsonify({"message": str(SPEECH_REFUSED)}), 400
    part = SpeechPart(text, lang, personal=request.form.get("personal") == "1", kind=kind)
    runtime = get_runtime()
    try:
        audio = speech_audio(runtime.synthesizer, part, runtime.config.data_dir / "kiosk-speech")
    except SynthesisError as exc:
        current_app.logger.warning("kiosk read-aloud failed: %s", type(exc).__name__)
        return jsonify({"message": str(SPEECH_FAILED)}), 503
    response = Response(audio, mimetype="audio/wav")
    response.headers["Cache-Control"] = "no-store" if part.personal else "private, max-age=3600"
    return response
