"""The callback / home-visit request: one question per screen, a summary, a receipt.

Answers are kept with :mod:`kiosk.form_state`; the request is made through the shared request
service (channel ``kiosk``) with the form's idempotency key, so a double tap makes one request.
"""

from __future__ import annotations

import contextlib
from typing import Any

from flask import abort, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response as BaseResponse

from kiosk import form_state
from kiosk.language import gettext as _
from kiosk.node import delivery_pending
from kiosk.slips import request_slip
from kiosk.texts import PREFERRED_TIMES, REQUEST_KINDS, TOPICS, problem_message
from kiosk.views import bp, centre, language
from shared.errors import FieldProblem, ValidationFailed
from shared.models import KioskForm
from shared.models.vocabulary import Channel
from shared.printing.queue import enqueue_here
from shared.runtime import get_runtime
from shared.services.phone import display_phone, normalise_phone
from shared.services.places import districts
from shared.services.requests import NewRequest, create_request, format_reference
from shared.web.request_session import db_session

STEPS = ("kind", "name", "phone", "district", "topic", "time", "consent", "summary")
FIELD_STEPS = {"kind": "kind", "name": "name", "phone": "phone", "district": "district",
               "preferred_time": "time", "topic": "topic", "consent": "consent"}
MAX_NAME = 60
MAX_PHONE_DIGITS = 16
LETTER_ROWS = (
    ("Q", "W", "E", "R", "T", "Z", "U", "I", "O", "P", "Ü"),
    ("A", "S", "D", "F", "G", "H", "J", "K", "L", "Ö", "Ä"),
    ("Y", "X", "C", "V", "B", "N", "M", "ß", "-", "."),
)
TURKISH_ROW = ("Ç", "Ğ", "İ", "Ş")  # with "I" of the rows above: I/ı and İ/i, as on a Turkish keyboard
LOWER = {"de": {"İ": "i"}, "en": {"İ": "i"}, "tr": {"I": "ı", "İ": "i"}}
DIGIT_ROWS = (("1", "2", "3"), ("4", "5", "6"), ("7", "8", "9"), ("0",))
KEYS = {key for row in (*LETTER_ROWS, TURKISH_ROW) for key in row}


def type_letter(text: str, key: str, language: str = "de") -> str:
    """Append a key: capital at the start of each word, small letters after, by the language's
    case rules (Turkish: I → ı, İ → i)."""
    if key not in KEYS or len(text) >= MAX_NAME:
        return text
    word_start = not text or text[-1] in " -"
    return text + (key if word_start else LOWER.get(language, {}).get(key, key.lower()))


def _next_step(step: str) -> str:
    if request.form.get("review") == "1":
        return url_for("kiosk.request_step", step="summary")
    return url_for("kiosk.request_step", step=STEPS[STEPS.index(step) + 1])


def _previous_step(step: str) -> str:
    index = STEPS.index(step)
    return url_for("kiosk.request_step", step=STEPS[index - 1]) if index else url_for("kiosk.start")


@bp.get("/request")
def request_start() -> BaseResponse:
    """Begin a fresh request (nothing of an earlier one is kept)."""
    form_state.start_form()
    return redirect(url_for("kiosk.request_step", step="kind"))


def _render(step: str, problem: str = "", **values: Any) -> str:
    return render_template(
        f"kiosk/request_{step}.html", step=step, form=form_state.form(), problem=problem,
        review=request.values.get("review") == "1", back_url=_previous_step(step),
        step_number=STEPS.index(step) + 1, step_count=len(STEPS), kinds=REQUEST_KINDS,
        times=PREFERRED_TIMES, topics=TOPICS, **values,
    )


def _choice_values(step: str) -> dict[str, Any]:
    if step == "district":
        return {"districts": districts(db_session()), "home_district_id": centre().district_id}
    if step == "name":
        return {"letter_rows": LETTER_ROWS + ((TURKISH_ROW,) if language() == "tr" else ())}
    if step == "phone":
        return {"digit_rows": DIGIT_ROWS}
    if step == "summary":
        return {"summary": _summary(), "phone_digits": str(form_state.form().get("phone", ""))}
    if step == "consent":
        return {"office": centre().footer, "keep_days": get_runtime().config.retention_days_request}
    return {}


@bp.route("/request/<step>", methods=["GET", "POST"])
def request_step(step: str) -> str | BaseResponse:
    """Show one question, or store its answer and move on."""
    if step not in STEPS:
        abort(404)
    if not form_state.form():
        if request.method == "POST":
            return redirect(url_for("kiosk.request_done"))
        form_state.start_form()
    if request.method == "GET":
        return _render(step, **_choice_values(step))
    return _answer(step)


def _answer(step: str) -> str | BaseResponse:
    data = request.form
    if step == "kind" and data.get("kind") in REQUEST_KINDS:
        form_state.update_form(kind=data["kind"])
        return redirect(_next_step(step))
    if step == "name":
        return _type_name(data)
    if step == "phone":
        return _type_phone(data)
    if step == "district" and data.get("district"):
        form_state.update_form(district=data["district"])
        return redirect(_next_step(step))
    if step == "topic" and data.get("topic") in TOPICS:
        form_state.update_form(topic=data["topic"])
        return redirect(_next_step(step))
    if step == "time" and data.get("time") in PREFERRED_TIMES:
        form_state.update_form(time=data["time"])
        return redirect(_next_step(step))
    if step == "consent":
        agreed = data.get("consent") == "yes"
        form_state.update_form(consent=agreed)
        if agreed:
            return redirect(_next_step(step))
        return _render(step, declined=True, **_choice_values(step))
    if step == "summary":
        return _submit()
    return redirect(url_for("kiosk.request_step", step=step))


def _type_name(data: Any) -> str | BaseResponse:
    name = str(form_state.form().get("name", ""))
    action = data.get("action", "")
    if action == "next":
        if not name.strip():
            return _render("name", problem_message(FieldProblem("name", "required", "")), **_choice_values("name"))
        form_state.update_form(name=name.strip())
        return redirect(_next_step("name"))
    if action == "delete":
        name = name[:-1]
    elif action == "space":
        name = name + " " if name and not name.endswith(" ") and len(name) < MAX_NAME else name
    else:
        name = type_letter(name, data.get("key", ""), language())
    form_state.update_form(name=name)
    return redirect(url_for("kiosk.request_step", step="name", review="1" if data.get("review") == "1" else None))


def _type_phone(data: Any) -> str | BaseResponse:
    phone = str(form_state.form().get("phone", ""))
    action = data.get("action", "")
    if action == "next":
        try:
            normalise_phone(phone)
        except ValidationFailed as exc:
            return _render("phone", problem_message(exc.problems[0]), **_choice_values("phone"))
        return redirect(_next_step("phone"))
    if action == "delete":
        phone = phone[:-1]
    elif data.get("key", "") in {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"} and len(phone) < MAX_PHONE_DIGITS:
        phone += data["key"]
    form_state.update_form(phone=phone)
    return redirect(url_for("kiosk.request_step", step="phone", review="1" if data.get("review") == "1" else None))


def _summary() -> list[tuple[str, str, str]]:
    """(step, question, answer) rows of the summary screen."""
    answers = form_state.form()
    district = next((d.name for d in districts(db_session()) if d.slug == answers.get("district")), "")
    phone = str(answers.get("phone", ""))
    with contextlib.suppress(ValidationFailed):  # shown as typed; the submit step reports the problem
        phone = display_phone(normalise_phone(phone))
    topic = TOPICS.get(str(answers.get("topic", "")))
    kind = REQUEST_KINDS.get(str(answers.get("kind", "")))
    time = PREFERRED_TIMES.get(str(answers.get("time", "")))
    return [
        ("kind", _("Anliegen"), str(kind or "")),
        ("name", _("Name"), str(answers.get("name", ""))),
        ("phone", _("Telefon"), phone),
        ("district", _("Stadtbezirk"), district),
        ("topic", _("Thema"), str(topic[1]) if topic else ""),
        ("time", _("Tageszeit"), str(time or "")),
    ]


def _submit() -> str | BaseResponse:
    """File the request and queue its receipt, once per form: two simultaneous "Anfrage absenden"
    make one request, one receipt, and both show the same confirmation."""
    token = session.get(form_state.FORM_KEY)
    answers = form_state.form()
    db = db_session()
    if not answers.get("id"):  # the other of two simultaneous posts already finished this form
        done = db.get(KioskForm, form_state.once_key(f"submit:{token}")) if isinstance(token, str) else None
        if done is None:
            return redirect(url_for("kiosk.start"))
        session[form_state.RECEIPT_KEY] = dict(done.answers)
        return redirect(url_for("kiosk.request_done"))
    topic = TOPICS.get(str(answers.get("topic", "")))
    data = NewRequest(
        kind=str(answers.get("kind", "")), channel=Channel.KIOSK, district_slug=answers.get("district"),
        phone=str(answers.get("phone", "")), caller_name=str(answers.get("name", "")),
        preferred_time=str(answers.get("time", "")), topic=topic[0] if topic else "", language=language(),
        consent_data=bool(answers.get("consent")), kiosk_id=centre().kiosk_id,
        idempotency_key=f"kiosk-{answers['id']}",
    )
    try:
        created, _was_new = create_request(db, data, actor=f"kiosk:{centre().kiosk_id or 'local'}")
    except ValidationFailed as exc:
        db.rollback()
        first = exc.problems[0]
        step = FIELD_STEPS.get(first.field, "summary")
        return _render(step, problem_message(first), **_choice_values(step))

    def file_receipt() -> dict[str, Any]:
        slip = request_slip(db, centre(), created, language(), form_state.large_text())
        job = enqueue_here(db, slip, get_runtime().config)
        db.flush()
        return {"reference": format_reference(created.reference), "office_name": slip.footer.office_name,
                "office_phone": slip.footer.office_phone, "job_id": job.id, "kind": created.kind}

    receipt = form_state.once(db, f"submit:{token}", file_receipt)
    form_state.forget_form()
    session[form_state.RECEIPT_KEY] = receipt
    return redirect(url_for("kiosk.request_done"))


@bp.get("/request/done")
def request_done() -> str | BaseResponse:
    """The receipt screen: reference number and the district office's phone."""
    receipt = session.get(form_state.RECEIPT_KEY)
    if not receipt:
        return redirect(url_for("kiosk.start"))
    return render_template("kiosk/request_done.html", receipt=receipt, kinds=REQUEST_KINDS,
                           sending=delivery_pending(str(receipt.get("reference", "")).replace(" ", "")),
                           back_url=url_for("kiosk.start"))
