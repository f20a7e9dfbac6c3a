"""Events: list, create, edit, cancel; ICS import by upload or URL with a preview first."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from shared.clock import as_local
from shared.errors import ValidationFailed
from shared.models import Event
from shared.runtime import get_runtime
from shared.services import audit
from shared.services.event_admin import (
    EventForm,
    apply_form,
    list_events,
    next_starts,
    restore_event,
    set_date_cancelled,
    stash_upload,
    take_upload,
    upcoming_dates,
)
from shared.services.events import cancel_event, save_event
from shared.services.ics_import import (
    MAX_BYTES,
    IcsError,
    ImportReport,
    ParsedEvent,
    SourceUnreadable,
    decode_ics,
    parse_ics,
    plan_sync,
    read_source,
    write_plan,
)
from shared.services.places import categories, districts, venues
from shared.staff.blueprint import bp
from shared.staff.forms import flash_problem, problems_text
from shared.staff.i18n import gettext
from shared.staff.principal import StaffPrincipal, staff
from shared.staff.recurrence_words import describe
from shared.staff.scoping import district_scope, get_event_for_user
from shared.web.request_session import db_session


@bp.get("/events")
def events() -> str:
    """The events of my district (admins: all), newest first."""
    user = staff()
    text = request.args.get("q", "")[:100]
    database = db_session()
    found = list_events(database, district_scope(user), text)
    upcoming = next_starts(database, [event.id for event in found])
    # The next date of each event first, past ones after them, newest first.
    found.sort(key=lambda event: (event.id not in upcoming, upcoming.get(event.id) or -event.start.timestamp()))
    dates = {event.id: upcoming_dates(database, event) for event in found if event.rrule}
    return render_template("staff/events.html", events=found, q=text, upcoming=upcoming, dates=dates,
                           describe_recurrence=describe)


def _form() -> EventForm:
    values = request.form
    return EventForm(
        title=values.get("title", ""), description=values.get("description", ""), day=values.get("day", ""),
        start_time=values.get("start_time", ""), end_time=values.get("end_time", ""),
        repeat=values.get("repeat", ""), venue_id=values.get("venue_id", ""), cost=values.get("cost", ""),
        contact_phone=values.get("contact_phone", ""), url=values.get("url", ""),
        barrier_free="barrier_free" in values, hearing_loop="hearing_loop" in values,
        registration_required="registration_required" in values,
        category_ids=tuple(values.getlist("category_ids")),
    )


def _edit_page(database: Session, user: StaffPrincipal, event: Event | None, status: int = 200) -> tuple[str, int]:
    scope = district_scope(user)
    choices = [venue for venue in venues(database) if scope is None or venue.district_id == scope]
    start, end = (as_local(event.start), as_local(event.end)) if event else (None, None)
    return render_template(
        "staff/event_form.html", event=event, venues=choices, categories=categories(database), form=request.form,
        event_day=start.date().isoformat() if start else "",
        event_times=(start.strftime("%H:%M"), end.strftime("%H:%M")) if start and end else None,
    ), status


@bp.route("/events/new", methods=["GET", "POST"])
def new_event() -> tuple[str, int] | Response:
    """Create an event."""
    return _save(None)


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
def edit_event(event_id: int) -> tuple[str, int] | Response:
    """Edit an event of my district."""
    return _save(event_id)


def _save(event_id: int | None) -> tuple[str, int] | Response:
    user = staff()
    database = db_session()
    event = get_event_for_user(database, user, event_id) if event_id is not None else None
    if request.method == "GET":
        return _edit_page(database, user, event)
    target = event or Event(source="manual")
    try:
        apply_form(database, target, _form(), district_scope(user))
    except ValidationFailed as error:
        database.rollback()
        flash_problem(error)
        return _edit_page(database, user, event, 400)
    save_event(database, target)
    audit.record(database, user.actor, "create" if event is None else "update", "event", target.id,
                 target.district_id)
    database.commit()
    flash(gettext("Termin gespeichert."), "info")
    return redirect(url_for("staff.events"))


def _event_change(event_id: int, change: Callable[[Session, Event], object], detail: str, done: str) -> Response:
    """Apply *change* to an event of the user's district; audited, refusals shown in words."""
    user = staff()
    database = db_session()
    event = get_event_for_user(database, user, event_id)
    try:
        change(database, event)
    except ValidationFailed as error:
        database.rollback()
        flash_problem(error)
        return redirect(url_for("staff.events"))
    audit.record(database, user.actor, "delete" if detail == "deleted" else "update", "event", event_id,
                 event.district_id, detail)
    database.commit()
    flash(done, "info")
    return redirect(url_for("staff.events"))


@bp.post("/events/<int:event_id>/cancel")
def cancel(event_id: int) -> Response:
    """Cancel an event or whole series: it leaves every public list but stays visible here."""
    return _event_change(event_id, cancel_event, "cancelled", gettext("Termin abgesagt."))


@bp.post("/events/<int:event_id>/restore")
def restore(event_id: int) -> Response:
    """Take a cancellation of the whole event or series back."""
    return _event_change(event_id, restore_event, "restored", gettext("Absage zurückgenommen."))


@bp.post("/events/<int:event_id>/dates/<action>")
def change_date(event_id: int, action: str) -> Response:
    """Cancel or restore one date of a series (``start`` is its local start)."""
    if action not in ("cancel", "restore"):
        abort(404)
    start = request.form.get("start", "")[:40]
    return _event_change(
        event_id, lambda database, event: set_date_cancelled(database, event, start, action == "cancel"),
        f"date {action} {start}", gettext("Einzeltermin abgesagt.") if action == "cancel"
        else gettext("Einzeltermin wieder angesetzt."))


@bp.post("/events/<int:event_id>/delete")
def delete(event_id: int) -> Response:
    """Delete an event with all its dates (after the browser's confirmation)."""
    return _event_change(event_id, lambda database, event: database.delete(event), "deleted",
                         gettext("Termin gelöscht."))


def _import_page(**values: object) -> tuple[str, int]:
    status = int(str(values.pop("status", 200)))
    return render_template("staff/import.html", districts=districts(db_session()), form=request.form,
                           describe_recurrence=describe, **values), status


def _source_name(user: StaffPrincipal) -> str:
    """Staff feeds are namespaced by district, so a sync never touches another district's feed."""
    name = request.form.get("source", "").strip()[:60]
    if not name or user.is_admin or user.user.district is None:
        return name
    prefix = f"{user.user.district.slug}:"
    return name if name.startswith(prefix) else prefix + name


def _sync_in_scope(database: Session, user: StaffPrincipal, parsed: list[ParsedEvent], source: str,
                   keep: bool) -> ImportReport:
    """Plan the sync (and write it when *keep*); refuse (IcsError) if an event would land outside
    the user's district. A preview writes nothing."""
    plan = plan_sync(database, parsed, source, _import_district(user))
    scope = district_scope(user)
    if scope is not None and any(district not in (None, scope) for district in plan.district_ids()):
        raise IcsError(1, gettext("Die Datei enthält Termine eines anderen Stadtbezirks."))
    if keep:
        write_plan(database, plan)
    return plan.report


def _import_district(user: StaffPrincipal) -> str | None:
    """Staff import into their own district; admins choose one (or none)."""
    if user.is_admin:
        return request.form.get("district") or None
    return user.user.district.slug if user.user.district else None


@bp.get("/events/import")
def import_form() -> tuple[str, int]:
    """Upload a file or give a URL."""
    return _import_page()


@bp.post("/events/import")
def import_preview() -> tuple[str, int]:
    """Check the file and show what an import would add, change and remove; nothing is stored."""
    user = staff()
    source = _source_name(user)
    if not source:
        flash(gettext("Bitte einen Namen für die Quelle angeben."), "error")
        return _import_page(status=400)
    upload = request.files.get("file")
    url = request.form.get("url", "").strip()
    try:
        if upload is not None and upload.filename:
            text = decode_ics(upload.stream.read(MAX_BYTES + 1))
        elif url.startswith(("https://", "http://")):
            text = read_source(url)
        else:
            flash(gettext("Bitte eine Datei wählen oder eine Webadresse (https://…) angeben."), "error")
            return _import_page(status=400)
        parsed = parse_ics(text)
        database = db_session()
        report = _sync_in_scope(database, user, parsed, source, keep=False)
        database.rollback()
        token = stash_upload(get_runtime().config.data_dir, text)
    except IcsError as error:
        return _import_page(error=str(error), status=400)
    except ValidationFailed as error:
        return _import_page(error=problems_text(error), status=400)
    except SourceUnreadable as error:
        return _import_page(error=error.message, status=400)
    return _import_page(report=report, token=token, source=source, parsed=parsed)


@bp.post("/events/import/confirm")
def import_confirm() -> tuple[str, int] | Response:
    """Import what the preview showed."""
    user = staff()
    source = _source_name(user)
    text = take_upload(get_runtime().config.data_dir, request.form.get("token", ""))
    if text is None or not source:
        flash(gettext("Die Vorschau ist abgelaufen. Bitte die Datei noch einmal prüfen."), "error")
        return redirect(url_for("staff.import_form"))
    database = db_session()
    try:
        report = _sync_in_scope(database, user, parse_ics(text), source, keep=True)
    except IcsError as error:
        database.rollback()
        return _import_page(error=str(error), status=400)
    audit.record(database, user.actor, "update", "event", f"source:{source}", user.district_id,
                 f"ics added={len(report.added)} updated={len(report.updated)} removed={len(report.removed)}")
    database.commit()
    flash(gettext("Import abgeschlossen: %(summary)s", summary=report.summary()), "info")
    return redirect(url_for("staff.events"))
