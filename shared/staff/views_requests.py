"""Inbox, request page and its actions, voice-message streaming and the CSV export."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from flask import Response, abort, flash, redirect, render_template, request, send_file, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse

from shared.clock import as_local, local_now
from shared.errors import FieldProblem, InvalidTransition, ValidationFailed
from shared.models import District, Request, VoiceMessage
from shared.models.vocabulary import CLOSED_STATUSES, OPEN_STATUSES
from shared.runtime import get_runtime
from shared.services import audit, search
from shared.services.csv_safety import to_csv
from shared.services.inbox import SORTS, STATUS_VIEWS, VIEWS, InboxFilter, export_requests, inbox_page, is_overdue
from shared.services.phone import display_phone, mask_phone
from shared.services.places import districts
from shared.services.recordings import delete_voice_message_file, recordings_dir, voice_message_path
from shared.services.request_actions import KEEP, Actions, apply_actions, finished, next_request_id, suggests_letter
from shared.services.requests import (
    CHANNELS,
    KINDS,
    STATUSES,
    TRANSITIONS,
    add_note,
    format_reference,
)
from shared.services.routing import merge, move_to_district
from shared.services.search import reference_key
from shared.services.staff_users import colleagues
from shared.staff.blueprint import bp
from shared.staff.forms import date_field, flash_problem, int_arg
from shared.staff.i18n import gettext
from shared.staff.labels import LABELS
from shared.staff.principal import StaffPrincipal, staff
from shared.staff.scoping import district_scope, get_request_for_user, may_route
from shared.web.request_session import db_session

EXPORT_LIMIT = 100_000


def _inbox_filter(page: int = 1) -> InboxFilter:
    user = staff()
    query = request.args.get("q", "").strip()[:200]
    view = request.args.get("view", "")
    # A search looks at closed requests too unless a status is chosen.
    status = request.args.get("status", "all" if query else "open")
    statuses: tuple[str, ...] = OPEN_STATUSES
    if view in STATUS_VIEWS:
        status = view
    if status == "all":
        statuses = ()
    elif status == "closed":
        statuses = CLOSED_STATUSES
    elif status in STATUSES:
        statuses = (status,)
    kind = request.args.get("kind") or None
    channel = request.args.get("channel") or None
    mine = request.args.get("mine") == "1" or view == "mine"
    return InboxFilter(
        district_id=district_scope(user), statuses=statuses,
        kind=kind if kind in KINDS else None, channel=channel if channel in CHANNELS else None,
        overdue=request.args.get("overdue") == "1" or view == "overdue",
        # The open list is the day's work: a request waiting for a later date shows under "Wartend" until then.
        ready=statuses == OPEN_STATUSES and not query,
        assignee_id=user.id if mine else None, query=query, sort=request.args.get("sort", "due"), page=page,
    )


@bp.get("/")
def inbox() -> str:
    """The requests of my district (admins: all), most urgent first, numbers masked."""
    user = staff()
    database = db_session()
    criteria = _inbox_filter(int_arg("page", 1) or 1)
    page = inbox_page(database, criteria)
    # The list shows names: who looked at which page is logged like any other view.
    audit.record(database, user.actor, "view", "request", "inbox", criteria.district_id or None,
                 f"page={page.page} rows={len(page.requests)}")
    database.commit()
    return render_template(
        "staff/inbox.html", page=page, mask_phone=mask_phone, is_overdue=is_overdue,
        format_reference=format_reference, kinds=KINDS, channels=CHANNELS, statuses=STATUSES,
        args=request.args, labels=LABELS, sorts=SORTS, views=VIEWS, as_local=as_local,
        candidate_limit=search.CANDIDATE_LIMIT,
        translated_labels=lambda: {code: gettext(text) for code, text in LABELS.items()},
    )


@bp.get("/requests/<int:request_id>")
def show_request(request_id: int) -> str:
    """Everything about one request; each view is audited."""
    user, database, item = _scoped_request(request_id)
    audit.record(database, user.actor, "view", "request", item.id, item.district_id)
    database.commit()
    return _request_page(user, database, item)


def _request_page(user: StaffPrincipal, database: Session, item: Request,
                  form: Mapping[str, str] | None = None) -> str:
    return render_template(
        "staff/request.html", item=item, display_phone=display_phone, format_reference=format_reference,
        transitions=[status for status in STATUSES if status in TRANSITIONS.get(item.status, ())],
        closed=CLOSED_STATUSES, form=form or {}, suggests_letter=suggests_letter(item),
        colleagues=colleagues(database, item.district_id), labels=LABELS,
        overdue=is_overdue(item, local_now().date()), after=int_arg("after"),
        districts=districts(database), may_route=may_route(user, item),
    )


def _back(request_id: int) -> BaseResponse:
    return redirect(url_for("staff.show_request", request_id=request_id))


def _scoped_request(request_id: int) -> tuple[StaffPrincipal, Session, Request]:
    """The signed-in user, the session and the request if the user may see it (else 404)."""
    user = staff()
    database = db_session()
    return user, database, get_request_for_user(database, user, request_id)


def _voice_message(item: Request, message_id: int) -> VoiceMessage:
    """One voice message of *item*, else 404."""
    message = next((candidate for candidate in item.voice_messages if candidate.id == message_id), None)
    if message is None:
        abort(404)
    return message


def _change_request(request_id: int, done: str, change: Callable[[Session, Request], object]) -> BaseResponse:
    """Apply *change* to a request of the user's scope; problems are shown, nothing half-saved."""
    _user, database, item = _scoped_request(request_id)
    try:
        change(database, item)
    except (ValidationFailed, InvalidTransition) as error:
        database.rollback()
        flash_problem(error)
        return _back(request_id)
    database.commit()
    flash(done, "info")
    return _back(request_id)


@bp.post("/requests/<int:request_id>/notes")
def create_note(request_id: int) -> BaseResponse:
    """Add a note."""
    user = staff()
    return _change_request(request_id, gettext("Notiz gespeichert."), lambda database, item: add_note(
        database, item, request.form.get("text", "")[:10_000], user.id, user.actor))


def _assignee_choice(database: Session, user: StaffPrincipal, item: Request) -> int | str | None:
    """The panel's assignee: keep, nobody, me or a colleague of the district (else a refusal)."""
    choice = request.form.get("assignee", KEEP)
    if choice == KEEP:
        return KEEP
    if choice == "":
        return None
    if choice == "me":
        return user.id
    allowed = {colleague.id for colleague in colleagues(database, item.district_id)}
    if choice.isdigit() and int(choice) in allowed:
        return int(choice)
    raise ValidationFailed([FieldProblem("assignee", "invalid", "Diese Person kann die Anfrage nicht übernehmen.")])


@bp.post("/requests/<int:request_id>/act")
def act(request_id: int) -> BaseResponse | tuple[str, int]:
    """The action panel: assignment, call attempt with outcome, status with reason, next step.

    A request that is finished afterwards leads straight to the next one; a refusal shows the
    page again with everything typed still filled in.
    """
    user, database, item = _scoped_request(request_id)
    try:
        actions = Actions(
            call=request.form.get("call", ""), call_text=request.form.get("call_text", "")[:2000],
            to_status=request.form.get("to_status", ""), reason=request.form.get("reason", "")[:2000],
            waiting_until=date_field("waiting_until"), assignee_id=_assignee_choice(database, user, item),
            next_step=request.form.get("next_step", "")[:2000])
        apply_actions(database, item, actions, user.id, user.actor)
    except (ValidationFailed, InvalidTransition) as error:
        database.rollback()
        flash_problem(error)
        return _request_page(user, database, get_request_for_user(database, user, request_id), request.form), 400
    database.commit()
    if finished(item):
        following = next_request_id(database, district_scope(user), item)
        flash(gettext("Anfrage %(reference)s abgeschlossen.", reference=format_reference(item.reference)), "info")
        if following is not None:
            return redirect(url_for("staff.show_request", request_id=following, after=item.id))
        return redirect(url_for("staff.inbox"))
    flash(gettext("Gespeichert."), "info")
    return _back(request_id)


@bp.get("/requests/<int:request_id>/print")
def print_request(request_id: int) -> str:
    """A printable page of the request (the browser's print dialog); audited."""
    user, database, item = _scoped_request(request_id)
    audit.record(database, user.actor, "print", "request", item.id, item.district_id)
    database.commit()
    return render_template("staff/print.html", item=item, display_phone=display_phone,
                           format_reference=format_reference, labels=LABELS)


RANGE_HEADER = re.compile(r"bytes=[0-9, -]{1,60}")


@bp.get("/requests/<int:request_id>/voice/<int:message_id>")
def play_voice_message(request_id: int, message_id: int) -> Response:
    """Stream a voice message to authorised staff (Range requests let the player seek)."""
    user, database, item = _scoped_request(request_id)
    message = _voice_message(item, message_id)
    path = _recording_file(message)
    range_header = request.headers.get("Range", "")
    # Every response that may carry audio is audited, ranged ones too: ``bytes=1-`` is the whole file.
    detail = f"request={item.id}"
    if range_header:
        detail += f" range={range_header[:40]}" if RANGE_HEADER.fullmatch(range_header) else " range=other"
    audit.record(database, user.actor, "play", "voice_message", message.id, item.district_id, detail)
    database.commit()
    response = send_file(path, mimetype=message.content_type, conditional=True, etag=True, max_age=0)
    response.headers["Cache-Control"] = "no-store, private"
    return response


def _recording_file(message: VoiceMessage) -> str:
    data_dir = get_runtime().config.data_dir
    path = voice_message_path(data_dir, message).resolve()
    if not path.is_relative_to(recordings_dir(data_dir).resolve()) or not path.is_file():
        abort(404)
    return str(path)


@bp.get("/export.csv")
def export_csv() -> Response:
    """The filtered list as CSV for admins and team leads; formula cells are neutralised."""
    user = staff()
    if not user.may_export:
        abort(403)
    database = db_session()
    criteria = _inbox_filter()
    rows = inbox_rows(database, criteria)
    body = to_csv(
        ("Nummer", "Eingang", "Art", "Kanal", "Status", "Stadtbezirk", "Name", "Telefon", "Fällig", "Anliegen"),
        rows,
    )
    audit.record(database, user.actor, "export", "request", "csv", criteria.district_id or None, f"rows={len(rows)}")
    database.commit()
    stamp = local_now().strftime("%Y%m%d-%H%M")
    return Response("\ufeff" + body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="anfragen-{stamp}.csv"', "Cache-Control": "no-store",
    })


def inbox_rows(database: Session, criteria: InboxFilter) -> list[tuple[object, ...]]:
    """The export rows of every request matching *criteria* (all pages)."""
    return [
        (format_reference(item.reference), as_local(item.created_at).strftime("%Y-%m-%d %H:%M"), item.kind,
         item.channel, item.status, item.district.name if item.district else "", item.caller_name,
         display_phone(item.phone_e164), item.due_date.isoformat(), item.topic)
        for item in export_requests(database, criteria, EXPORT_LIMIT)
    ]


@bp.post("/requests/<int:request_id>/voice/<int:message_id>/delete")
def delete_voice_message(request_id: int, message_id: int) -> BaseResponse:
    """Delete a voice message and its transcript (e.g. at the caller's wish); audited."""
    user, database, item = _scoped_request(request_id)
    message = _voice_message(item, message_id)
    item.voice_messages.remove(message)
    database.flush()
    delete_voice_message_file(get_runtime().config.data_dir, message)
    audit.record(database, user.actor, "delete", "voice_message", message_id, item.district_id, f"request={item.id}")
    database.commit()
    flash(gettext("Sprachnachricht gelöscht."), "info")
    return _back(request_id)


@bp.post("/requests/<int:request_id>/route")
def route(request_id: int) -> BaseResponse:
    """Move a request to another district (or give an unrouted one its district); audited."""
    user, database, item = _scoped_request(request_id)
    if not may_route(user, item):
        abort(403)
    district = database.scalars(select(District).where(District.slug == request.form.get("district", ""))).first()
    try:
        if district is None:
            raise ValidationFailed([FieldProblem("district", "required", "Bitte einen Stadtbezirk wählen.")])
        move_to_district(database, item, district, user.actor, request.form.get("reason", "")[:500])
    except ValidationFailed as error:
        database.rollback()
        flash_problem(error)
        return _back(request_id)
    database.commit()
    flash(gettext("Anfrage an %(district)s weitergeleitet.", district=district.name), "info")
    # The request may now be out of this user's sight: back to the inbox.
    return redirect(url_for("staff.inbox"))


@bp.post("/requests/<int:request_id>/merge")
def merge_into(request_id: int) -> BaseResponse:
    """Merge this request (a duplicate) into the one with the reference given; audited."""
    user, database, item = _scoped_request(request_id)
    reference = reference_key(request.form.get("reference", "")) or ""
    survivor_id = database.scalar(select(Request.id).where(Request.reference == reference)) if reference else None
    survivor = get_request_for_user(database, user, survivor_id) if survivor_id else None
    try:
        if survivor is None:
            raise ValidationFailed([FieldProblem("reference", "invalid", "Diese Nummer gibt es nicht.")])
        merge(database, item, survivor, user.actor)
    except ValidationFailed as error:
        database.rollback()
        flash_problem(error)
        return _back(request_id)
    database.commit()
    flash(gettext("Zusammengeführt: alles steht jetzt bei %(reference)s.",
                  reference=format_reference(survivor.reference)), "info")
    return _back(survivor.id)
