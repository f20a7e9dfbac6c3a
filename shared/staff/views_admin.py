"""Operations, statistics, audit log, per-person export and erasure, language choice."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, session, url_for
from sqlalchemy import func, select
from werkzeug.wrappers import Response as BaseResponse

from shared.clock import BERLIN, as_local, local_now, local_today, utcnow
from shared.errors import ValidationFailed
from shared.models import AuditEntry, Call, Job, Kiosk, PrinterState
from shared.models.vocabulary import JobState
from shared.printing.worker import PRINT_JOB
from shared.runtime import get_runtime
from shared.services import audit
from shared.services.audit import ACTIONS
from shared.services.csv_safety import to_csv
from shared.services.phone import normalise_phone
from shared.services.recurrence import day_window
from shared.services.retention import erase_person, export_person
from shared.services.statistics import collect
from shared.staff.auth import require_admin
from shared.staff.blueprint import bp
from shared.staff.charts import bar_chart
from shared.staff.forms import date_arg, flash_problem, int_arg
from shared.staff.i18n import LANGUAGES, SESSION_KEY, gettext
from shared.staff.labels import (
    CALL_OUTCOMES,
    HEALTH_CHECKS,
    JOB_KINDS,
    JOB_STATES,
    LABELS,
    PRINT_JOB_STATES,
    PRINTER_FINE,
    PRINTER_STATES,
)
from shared.staff.principal import staff
from shared.staff.scoping import district_scope
from shared.web.request_session import db_session

KIOSK_STALE_MINUTES = 10
AUDIT_PAGE_SIZE = 100
AUDIT_EXPORT_LIMIT = 100_000
OPERATION_CODES = {"outcome": CALL_OUTCOMES, "print_state": PRINT_JOB_STATES, "printer": PRINTER_STATES,
                   "job_kind": JOB_KINDS, "job_state": JOB_STATES, "health": HEALTH_CHECKS}


def _health() -> dict[str, dict[str, Any]]:
    """Every registered ``/healthz`` check, each guarded so one failing check shows as failed."""
    results: dict[str, dict[str, Any]] = {}
    for name, check in get_runtime().health_checks.items():
        try:
            results[name] = check()
        except Exception as exc:  # a broken check is shown as failed, not as a broken page
            results[name] = {"ok": False, "detail": type(exc).__name__}
    return results


@bp.get("/operations")
def operations() -> str:
    """Kiosks' last contact, print queue and printers, hotline state."""
    database = db_session()
    now = utcnow()
    kiosks = list(database.scalars(select(Kiosk).order_by(Kiosk.name)))
    start_of_day = datetime.combine(local_today(), datetime.min.time(), BERLIN)
    calls_today = database.execute(
        select(Call.outcome, func.count(Call.id)).where(Call.started_at >= start_of_day).group_by(Call.outcome)
    ).all()
    recent_jobs = list(database.scalars(select(Job).where(Job.kind == PRINT_JOB).order_by(Job.id.desc()).limit(20)))
    printers = list(database.scalars(select(PrinterState).order_by(PrinterState.printer)))
    durable = database.execute(select(Job.kind, Job.state, func.count(Job.id)).group_by(Job.kind, Job.state)).all()
    background: dict[str, dict[str, int]] = {}
    for kind, state, count in durable:
        background.setdefault(kind, {})[state] = count
    failed_jobs = list(database.scalars(
        select(Job).where(Job.state == JobState.FAILED).order_by(Job.id.desc()).limit(10)))
    return render_template(
        "staff/operations.html", kiosks=kiosks, stale_before=now - timedelta(minutes=KIOSK_STALE_MINUTES),
        calls_today=[(outcome or "-", count) for outcome, count in calls_today],
        calls_total=sum(count for _, count in calls_today), jobs_by_state=background.get(PRINT_JOB, {}),
        job_states=list(JobState),
        recent_jobs=recent_jobs, printers=printers, health=_health(), background=background,
        failed_jobs=failed_jobs, technical=staff().is_admin, codes=OPERATION_CODES, printer_fine=PRINTER_FINE,
    )


@bp.get("/statistics")
def statistics() -> str:
    """Charts of the last 30 days for my district (admins: the city)."""
    days = 30 if request.args.get("days") != "90" else 90
    figures = collect(db_session(), district_scope(staff()), days)
    every = 5 if days <= 30 else 14
    by_district = [(name or gettext("ohne Bezirk"), count) for name, count in figures.by_district]
    charts = {
        "calls": bar_chart(gettext("Anrufe pro Tag"), [(d.strftime("%d.%m."), n) for d, n in figures.calls_per_day],
                           every),
        "requests": bar_chart(gettext("Anfragen pro Tag"),
                              [(d.strftime("%d.%m."), n) for d, n in figures.requests_per_day], every),
        "districts": bar_chart(gettext("Anfragen nach Stadtbezirk"), by_district),
        "status": bar_chart(gettext("Anfragen nach Status"),
                            [(gettext(LABELS.get(status, status)), n) for status, n in figures.by_status]),
        "first_contact": bar_chart(gettext("Zeit bis zum ersten Kontakt"), figures.first_contact_buckets),
        "weeks": bar_chart(gettext("Anfragen pro Woche"), [(week.label, week.requests) for week in figures.weeks]),
        "week_contact": bar_chart(gettext("Stunden bis zum ersten Kontakt (Median) pro Woche"),
                                  [(week.label, round(week.median_hours or 0)) for week in figures.weeks]),
    }
    return render_template("staff/statistics.html", figures=figures, charts=charts, days=days, labels=LABELS,
                           by_district=by_district)


def _audit_conditions() -> list[Any]:
    """The audit filters of the query string: date range (local days), actor, action, record."""
    conditions: list[Any] = []
    first, last = date_arg("from"), date_arg("to")
    if first or last:
        start, end = day_window(first or date(2000, 1, 1), last or date(9999, 12, 30))
        conditions += [AuditEntry.at >= start, AuditEntry.at < end]
    for name, column in (("actor", AuditEntry.actor), ("action", AuditEntry.action),
                         ("record_type", AuditEntry.record_type), ("record_id", AuditEntry.record_id)):
        value = request.args.get(name, "").strip()[:80]
        if value:
            conditions.append(column == value)
    return conditions


@bp.get("/audit")
def audit_log() -> str:
    """The audit log (admins only), newest first, filtered by date range, actor, action and record."""
    require_admin()
    page = max(1, int_arg("page", 1) or 1)
    entries = list(db_session().scalars(
        select(AuditEntry).where(*_audit_conditions())
        .order_by(AuditEntry.id.desc()).offset((page - 1) * AUDIT_PAGE_SIZE).limit(AUDIT_PAGE_SIZE + 1)
    ))
    actions = sorted(ACTIONS)
    return render_template("staff/audit.html", entries=entries[:AUDIT_PAGE_SIZE], page=page, actions=actions,
                           has_more=len(entries) > AUDIT_PAGE_SIZE, args=request.args)


@bp.get("/audit.csv")
def audit_csv() -> Response:
    """The filtered audit log as CSV (admins; formula cells neutralised); the export is audited too."""
    user = require_admin()
    database = db_session()
    entries = list(database.scalars(
        select(AuditEntry).where(*_audit_conditions()).order_by(AuditEntry.id.desc()).limit(AUDIT_EXPORT_LIMIT)))
    body = to_csv(("Zeit", "Wer", "Aktion", "Datensatzart", "Datensatz", "Bezirk", "Details"), (
        (as_local(entry.at).strftime("%Y-%m-%d %H:%M:%S"), entry.actor, entry.action, entry.record_type,
         entry.record_id, entry.district_id or "", entry.detail) for entry in entries))
    audit.record(database, user.actor, "export", "audit", "csv", None, f"rows={len(entries)}")
    database.commit()
    return Response("\ufeff" + body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="protokoll-{local_now():%Y%m%d-%H%M}.csv"',
        "Cache-Control": "no-store"})


@bp.get("/privacy")
def privacy() -> str:
    """Export or erase everything stored about one phone number (admins only)."""
    require_admin()
    return render_template("staff/privacy.html")


def _phone_from_form() -> str | None:
    try:
        return normalise_phone(request.form.get("phone", ""))
    except ValidationFailed as error:
        flash_problem(error)
        return None


@bp.post("/privacy/export")
def privacy_export() -> BaseResponse:
    """A ZIP of everything stored about the phone number (DSGVO Art. 15); audited."""
    user = require_admin()
    phone = _phone_from_form()
    if phone is None:
        return redirect(url_for("staff.privacy"))
    database = db_session()
    export = export_person(database, get_runtime().config.data_dir, phone, user.actor)
    database.commit()
    stamp = local_now().strftime("%Y%m%d-%H%M")
    return Response(export.body, mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="auskunft-{stamp}.zip"', "Cache-Control": "no-store",
    })


@bp.post("/privacy/erase")
def privacy_erase() -> BaseResponse:
    """Erase every request of the phone number with notes, recordings and transcripts (Art. 17)."""
    user = require_admin()
    phone = _phone_from_form()
    if phone is None:
        return redirect(url_for("staff.privacy"))
    confirmation = request.form.get("confirm", "")
    try:
        confirmed = normalise_phone(confirmation) == phone
    except ValidationFailed:
        confirmed = False
    if not confirmed:
        flash(gettext("Zur Bestätigung bitte dieselbe Telefonnummer noch einmal eingeben."), "error")
        return redirect(url_for("staff.privacy"))
    database = db_session()
    count = erase_person(database, get_runtime().config.data_dir, phone, user.actor)
    database.commit()
    flash(gettext("%(count)s Anfragen mit allen Notizen und Aufnahmen gelöscht.", count=count), "info")
    return redirect(url_for("staff.privacy"))


@bp.post("/language")
def set_language() -> BaseResponse:
    """Switch the dashboard language."""
    language = request.form.get("language", "")
    if language not in LANGUAGES:
        abort(400)
    session[SESSION_KEY] = language
    target = request.form.get("back", "")
    return redirect(target if target.startswith("/staff/") and "//" not in target else url_for("staff.inbox"))
