"""Pure functions from slip content to ESC/POS bytes for a python-escpos printer profile.

Layout: centre name, the dated heading in double size, each event with its time and its title in
bold, then place and district; a QR code to the event or schedule; the district Seniorenbüro's
phone; a cut. With ``large_print`` what a senior looks for (headings, times, titles, the phone
number) is printed double size while the details stay normal, so the order of importance shows.
A list slip is cut to at most :data:`MAX_SLIP_MM` of paper, measured from its bytes; the entries
left off are counted on it, with where to find them.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from hardware.receipt_content import EventSlip, RequestSlip, ScheduleSlip, Slip, SlipEvent
from hardware.receipt_labels import day_heading, label
from hardware.receipt_length import printed_length_mm
from hardware.receipt_writer import ReceiptWriter, RenderedReceipt, Style

# A slip is paper in a senior's hand: a long description is cut (the QR code leads to the rest).
MAX_DESCRIPTION = 600
MAX_SLIP_MM = 400
WORDED_DUE_DATES = ("de", "en", "tr")


def render_slip(slip: Slip, profile: str, max_mm: float = MAX_SLIP_MM) -> RenderedReceipt:
    """Render any slip for printer *profile* (e.g. ``TM-T88V``, ``POS-5890``); a list slip longer
    than *max_mm* loses entries from its end, and says how many more there are."""
    rendered = _render(slip, profile)
    while isinstance(slip, ScheduleSlip) and slip.events and printed_length_mm(rendered.data) > max_mm:
        slip = replace(slip, events=slip.events[:-1], more=slip.more + 1)
        rendered = _render(slip, profile)
    return rendered


def _render(slip: Slip, profile: str) -> RenderedReceipt:
    writer = ReceiptWriter(profile)
    body = Style()
    bold = Style(bold=True, double=slip.large_print)
    writer.paragraph(slip.centre, Style(bold=True, center=True))
    if isinstance(slip, ScheduleSlip):
        _schedule(writer, slip, body, bold)
    elif isinstance(slip, EventSlip):
        _event(writer, slip, body, bold)
    else:
        _request(writer, slip, body, bold)
    writer.rule()
    writer.paragraph(label(slip.language, "questions"), body)
    writer.paragraph(slip.footer.office_name, Style(bold=True))
    writer.paragraph(slip.footer.office_phone, Style(bold=True, double=True))
    writer.cut()
    return writer.finish()


def _schedule(writer: ReceiptWriter, slip: ScheduleSlip, body: Style, bold: Style) -> None:
    # "Heute, Montag, 7. Dezember": the name on one line, the date whole on the next (not "Dezem-ber")
    name, _comma, dated = slip.heading.partition(", ")
    for line in (f"{name}," if dated else name, dated):
        writer.paragraph(line, Style(bold=True, double=True, center=True))
    writer.rule()
    if not slip.events:
        writer.paragraph(label(slip.language, "no_events"), body)
    current: date | None = None
    for event in slip.events:
        day = _day(event)
        heading = day_heading(slip.language, day)
        if day != current and heading not in slip.heading:  # every entry sits under a dated heading
            writer.paragraph(heading, Style(bold=True, double=True))
            current = day
        _event_block(writer, event, slip.language, body, bold)
        writer.blank()
    if slip.more > 0:
        writer.paragraph(label(slip.language, "more", count=str(slip.more)), Style(bold=True))
    _qr(writer, slip.qr_url, slip.language, body)


def _event(writer: ReceiptWriter, slip: EventSlip, body: Style, bold: Style) -> None:
    writer.paragraph(slip.event.title, Style(bold=True, double=True, center=True))
    writer.rule()
    writer.paragraph(day_heading(slip.language, _day(slip.event)), bold)
    _event_block(writer, slip.event, slip.language, body, bold, with_title=False)
    if slip.description:
        writer.blank()
        writer.paragraph(_shortened(slip.description), body)
    if slip.cost:
        writer.paragraph(label(slip.language, "cost", cost=slip.cost), body)
    _qr(writer, slip.qr_url, slip.language, body)


def _request(writer: ReceiptWriter, slip: RequestSlip, body: Style, bold: Style) -> None:
    writer.paragraph(label(slip.language, "request_title"), Style(bold=True, double=True, center=True))
    writer.rule()
    kind = label(slip.language, slip.request_kind) if slip.request_kind in ("callback", "home_visit") else ""
    writer.paragraph(kind or slip.request_kind, bold)
    writer.paragraph(slip.district, body)
    writer.blank()
    writer.paragraph(label(slip.language, "reference"), body)
    writer.paragraph(_grouped(slip.reference), Style(bold=True, double=True, center=True))
    writer.blank()
    writer.paragraph(label(slip.language, "due", date=_date_text(slip.due_date, slip.language)), body)
    writer.paragraph(label(slip.language, "keep"), body)


def _event_block(writer: ReceiptWriter, event: SlipEvent, language: str, body: Style, bold: Style,
                 with_title: bool = True) -> None:
    writer.paragraph(_time_text(event, language), Style(bold=True))
    if with_title:
        writer.paragraph(event.title, bold)
    details = [event.place, event.district] + ([label(language, "barrier_free")] if event.barrier_free else [])
    writer.paragraph(", ".join(part for part in details if part), body)


def _qr(writer: ReceiptWriter, url: str, language: str, body: Style) -> None:
    if url:
        writer.blank()
        writer.paragraph(label(language, "scan"), Style(center=True))
        writer.qr(url)


def _time_text(event: SlipEvent, language: str) -> str:
    if event.all_day:
        return label(language, "all_day")
    start, end = _parse(event.start), _parse(event.end)
    if start is None:
        return ""
    if end is None or end <= start:
        return label(language, "time_from", start=f"{start:%H:%M}")
    return label(language, "time", start=f"{start:%H:%M}", end=f"{end:%H:%M}")


def _parse(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _day(event: SlipEvent) -> date:
    start = _parse(event.start)
    return start.date() if start is not None else date.min


def _date_text(value: str, language: str) -> str:
    """A due date in the slip's language ("Dienstag, 24. November", "24 Kasım Salı"); languages whose
    "by <date>" needs a grammatical case get the plain numeric date."""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return value
    return day_heading(language, day) if language in WORDED_DUE_DATES else f"{day:%d.%m.%Y}"


def _shortened(text: str) -> str:
    """A description of at most :data:`MAX_DESCRIPTION` characters, cut at a space."""
    if len(text) <= MAX_DESCRIPTION:
        return text
    return text[:MAX_DESCRIPTION].rsplit(" ", 1)[0] + " ..."


def _grouped(reference: str) -> str:
    """References are read aloud in groups of four: ``4827 1930``."""
    return " ".join(reference[index:index + 4] for index in range(0, len(reference), 4))
