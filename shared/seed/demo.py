"""Reference data and demo content; every function is idempotent (safe to run on each start)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.clock import BERLIN, local_today, utcnow
from shared.credentials import hash_password
from shared.models import Category, District, Event, Kiosk, OfficeHours, Request, StaffUser, Venue
from shared.models.vocabulary import Channel, RequestKind
from shared.seed.reference_data import BEGEGNUNGSZENTREN, CATEGORIES, DISTRICTS, SENIORENBUEROS
from shared.services.events import save_event
from shared.services.kiosks import kiosk_token_hash
from shared.services.requests import NewRequest, create_request
from shared.services.workdays import is_working_day

DEMO_SOURCE = "demo"
DEMO_KIOSK_SLUG = "kiosk-demo"
DEMO_PASSWORD = "treffpunkt-demo"  # noqa: S105 - documented local demo login, never a deployment
DEMO_ADMIN = "andrea.schulz"  # personal demo accounts: every action is audited to one person
DEMO_HOERDE = "hatice.yilmaz"

# The anniversary programme "15+1 Jahre Seniorenbüros" of 2022 (seeds/001), by district.
ANNIVERSARY_2022: tuple[tuple[date, str, str, str], ...] = (
    (date(2022, 5, 11), "aplerbeck", "99 und 1 Luftballon", "fest"),
    (date(2022, 5, 12), "luetgendortmund", "Miteinander-Füreinander", "geselligkeit"),
    (date(2022, 5, 13), "hoerde", "Markt der Möglichkeiten", "beratung"),
    (date(2022, 5, 17), "innenstadt-west", "15 Jahre gemeinsam begegnen", "fest"),
    (date(2022, 5, 19), "hombruch", "Festlicher Jubiläumsempfang für Hombrucher Senior*innen", "fest"),
    (date(2022, 5, 20), "scharnhorst", "Darf es ein bisschen mehr sein? Das Jubiläumsevent", "fest"),
    (date(2022, 5, 25), "innenstadt-nord", "Fachvortrag: Grundsicherung im Alter", "beratung"),
    (date(2022, 5, 28), "innenstadt-nord", "So singt die Nordstadt", "kultur"),
    (date(2022, 5, 31), "innenstadt-ost", "Alles neu macht der Mai – gemeinsam Glück säen!", "geselligkeit"),
    (date(2022, 6, 1), "brackel", "Aktionstag: Zuhause Älterwerden", "beratung"),
    (date(2022, 6, 2), "eving", "Bergbaugeschichte in Eving", "kultur"),
    (date(2022, 6, 30), "huckarde", "Singen Sie mit uns!", "kultur"),
    (date(2022, 7, 8), "mengede", "Gesundheits- und Mobilitätstag", "gesundheit"),
)


@dataclass(frozen=True)
class WeeklyOffer:
    """A regular offer of a meeting centre."""

    title: str
    category: str
    byday: str
    start: time
    minutes: int
    description: str = ""
    cost: str = ""


WEEKLY_OFFERS: tuple[WeeklyOffer, ...] = (
    WeeklyOffer("Seniorengymnastik", "bewegung", "MO", time(10, 0), 60,
                "Sanfte Gymnastik im Sitzen und Stehen, für jedes Alter geeignet.", "2 €"),
    WeeklyOffer("Offener Mittagstisch", "geselligkeit", "MO,TU,WE,TH,FR", time(12, 0), 90,
                "Warmes Mittagessen in Gesellschaft, bitte am Vortag anmelden.", "4,50 €"),
    WeeklyOffer("Erzählcafé", "geselligkeit", "TU", time(15, 0), 120,
                "Bei Kaffee und Kuchen von früher und heute erzählen."),
    WeeklyOffer("Gedächtnistraining", "gesundheit", "WE", time(10, 30), 90,
                "Spielerische Übungen für ein waches Gedächtnis."),
    WeeklyOffer("Smartphone-Sprechstunde", "bildung", "TH", time(14, 0), 120,
                "Ehrenamtliche helfen bei Fragen zu Handy, Tablet und Videotelefonie."),
    WeeklyOffer("Singkreis", "kultur", "FR", time(15, 0), 90, "Volkslieder und Schlager zum Mitsingen."),
    WeeklyOffer("Spielenachmittag", "geselligkeit", "SA", time(14, 0), 180,
                "Rommé, Skat, Mensch ärgere dich nicht und mehr."),
    WeeklyOffer("Sonntagscafé", "geselligkeit", "SU", time(14, 30), 150,
                "Kaffee, Kuchen und Gespräche, auch an Sonn- und Feiertagen."),
    WeeklyOffer("Sitztanz", "bewegung", "WE", time(15, 0), 60, "Tanzen im Sitzen zu Musik aus allen Zeiten."),
    WeeklyOffer("Spaziergruppe rund um den Stadtteil", "bewegung", "SA", time(10, 0), 90,
                "Gemeinsam unterwegs, mit Pausen und Bänken."),
    WeeklyOffer("Bakım kursu: Yaşlılıkta sağlıklı yaşam", "gesundheit", "TU", time(10, 0), 120,
                "Pflegekurs auf Türkisch – türkçe bakım ve sağlık kursu."),
    WeeklyOffer("Polski klub seniora: Spotkanie przy kawie", "geselligkeit", "TH", time(10, 0), 90,
                "Treffen auf Polnisch – spotkanie w języku polskim."),
    WeeklyOffer("Русский клуб: Чай и разговоры", "geselligkeit", "FR", time(10, 0), 90,
                "Gesprächskreis auf Russisch."),
)

SENIORENBUERO_OFFERS: tuple[WeeklyOffer, ...] = (
    WeeklyOffer("Offene Sprechstunde: Pflege, Wohnen, Unterstützung", "beratung", "TU", time(10, 0), 120,
                "Beratung ohne Termin durch das Team des Seniorenbüros."),
    WeeklyOffer("Beratung zu Hilfen im Alltag", "beratung", "TH", time(14, 0), 120,
                "Haushaltshilfe, Begleitdienst, Nachbarschaftshilfe und Hausnotruf."),
)


def seed_reference_data(session: Session) -> None:
    """Districts, Seniorenbüros with office hours, Begegnungszentren and categories."""
    existing = {d.slug: d for d in session.scalars(select(District))}
    for info in DISTRICTS:
        district = existing.get(info.slug)
        if district is None:
            district = District(slug=info.slug, name=info.name, number=info.number)
            session.add(district)
            existing[info.slug] = district
        district.spoken_variants = ",".join(info.variants)
    session.flush()
    known_venues = set(session.scalars(select(Venue.slug)))
    for venue_info in SENIORENBUEROS + BEGEGNUNGSZENTREN:
        if venue_info.slug in known_venues:
            continue
        venue = Venue(
            slug=venue_info.slug, name=venue_info.name, kind=venue_info.kind,
            district_id=existing[venue_info.district].id, street=venue_info.street,
            postcode=venue_info.postcode, phone=venue_info.phone,
            wheelchair_accessible=venue_info.wheelchair_accessible, hearing_loop=venue_info.hearing_loop,
        )
        if venue_info.kind == "seniorenbuero":
            venue.office_hours = [OfficeHours(weekday=day, opens=time(9), closes=time(12)) for day in range(5)]
            venue.office_hours += [OfficeHours(weekday=day, opens=time(14), closes=time(16)) for day in (1, 3)]
        session.add(venue)
    known_categories = set(session.scalars(select(Category.slug)))
    for slug, name in CATEGORIES:
        if slug not in known_categories:
            session.add(Category(slug=slug, name=name))
    session.flush()


def _holiday_exdates(first: date, start: time, days: int = 400) -> str:
    """Meeting centres are closed on NRW public holidays (weekday offers only)."""
    closed = [
        datetime.combine(first + timedelta(days=offset), start).isoformat()
        for offset in range(days)
        if (first + timedelta(days=offset)).weekday() < 5 and not is_working_day(first + timedelta(days=offset))
    ]
    return ",".join(closed)


def _demo_event(session: Session, uid: str, **values: object) -> None:
    if session.scalar(select(Event.id).where(Event.source == DEMO_SOURCE, Event.external_uid == uid)):
        return
    categories = cast(list[str], values.pop("category_slugs"))
    event = Event(source=DEMO_SOURCE, external_uid=uid, **values)
    event.categories = list(session.scalars(select(Category).where(Category.slug.in_(categories))))
    save_event(session, event)


def seed_demo_events(session: Session, today: date | None = None) -> None:
    """The 2022 anniversary programme moved to upcoming dates, plus weekly offers everywhere."""
    today = today or local_today()
    venues = {v.slug: v for v in session.scalars(select(Venue))}
    districts = {d.slug: d for d in session.scalars(select(District))}
    shift = (today + timedelta(days=2)) - ANNIVERSARY_2022[0][0]
    for number, (day, district_slug, title, category) in enumerate(ANNIVERSARY_2022):
        venue = venues[f"sb-{district_slug}"]
        start = datetime.combine(day + shift, time(14, 0), BERLIN)
        _demo_event(
            session, f"jubilaeum-{number}", title=title, start=start, end=start + timedelta(hours=3),
            description="15+1 Jahre Seniorenbüros in Dortmund: Informationen, Mitmachaktionen und viel "
                        "Gemeinschaft. Eintritt frei.",
            venue_id=venue.id, district_id=districts[district_slug].id, cost="kostenlos",
            barrier_free=venue.wheelchair_accessible, category_slugs=[category, "fest"],
        )
    monday = today - timedelta(days=today.weekday())
    centres = [venues[info.slug] for info in BEGEGNUNGSZENTREN]
    for index, venue in enumerate(centres):
        chosen = [offer for number, offer in enumerate(WEEKLY_OFFERS) if (number + index) % 3 != 2]
        for offer in chosen:
            _weekly(session, venue, offer, monday)
    for info in SENIORENBUEROS:
        for offer in SENIORENBUERO_OFFERS:
            _weekly(session, venues[info.slug], offer, monday)


def _weekly(session: Session, venue: Venue, offer: WeeklyOffer, monday: date) -> None:
    first = monday - timedelta(days=7)
    start = datetime.combine(first, offer.start, BERLIN)
    weekend_only = set(offer.byday.split(",")) <= {"SA", "SU"}
    _demo_event(
        session, f"{venue.slug}-{hashlib.sha1(offer.title.encode()).hexdigest()[:10]}",  # noqa: S324
        title=offer.title, description=offer.description, cost=offer.cost,
        start=start, end=start + timedelta(minutes=offer.minutes),
        rrule=f"FREQ=WEEKLY;BYDAY={offer.byday}",
        exdates="" if weekend_only else _holiday_exdates(first, offer.start),
        venue_id=venue.id, district_id=venue.district_id, barrier_free=venue.wheelchair_accessible,
        hearing_loop=venue.hearing_loop, category_slugs=[offer.category],
    )


def seed_demo_staff(session: Session) -> None:
    """Personal accounts (one person each, never a shared team login), all with the demo password."""
    users = {
        DEMO_ADMIN: ("Andrea Schulz (Administration)", "admin", None, True),
        DEMO_HOERDE: ("Hatice Yılmaz (Seniorenbüro Hörde)", "staff", "hoerde", True),
        "emil.becker": ("Emil Becker (Seniorenbüro Eving)", "staff", "eving", False),
    }
    known = set(session.scalars(select(StaffUser.username)))
    for username, (display, role, district_slug, lead) in users.items():
        if username in known:
            continue
        district_id = None
        if district_slug:
            district_id = session.scalar(select(District.id).where(District.slug == district_slug))
        session.add(StaffUser(
            username=username, display_name=display, password_hash=hash_password(DEMO_PASSWORD),
            role=role, district_id=district_id, team_lead=lead, created_at=utcnow(),
        ))


def seed_demo_kiosk(session: Session, venue_slug: str, token: str) -> Kiosk:
    """The kiosk of this installation, at the configured venue."""
    kiosk = session.scalars(select(Kiosk).where(Kiosk.slug == DEMO_KIOSK_SLUG)).first()
    venue = session.scalars(select(Venue).where(Venue.slug == venue_slug)).first()
    if venue is None:
        raise ValueError(f"TREFFPUNKT_KIOSK_VENUE: no venue with slug {venue_slug!r}")
    if kiosk is None:
        kiosk = Kiosk(slug=DEMO_KIOSK_SLUG, name=f"Kiosk {venue.name}", venue_id=venue.id)
        session.add(kiosk)
    kiosk.venue_id = venue.id
    if token:
        kiosk.token_hash = kiosk_token_hash(token)
    session.flush()
    return kiosk


def seed_demo_requests(session: Session) -> None:
    """A few requests so the staff inbox is not empty in the demo."""
    if session.scalar(select(Request.id).where(Request.idempotency_key.like("demo-%"))):
        return
    samples = (
        NewRequest(kind=RequestKind.HOME_VISIT, channel=Channel.KIOSK, district_slug="hoerde", phone="0231 1234567",
                   caller_name="Erika Mustermann (Demo)", preferred_time="morning",
                   topic="Hilfe im Haushalt nach Krankenhausaufenthalt", consent_data=True,
                   idempotency_key="demo-1"),
        NewRequest(kind=RequestKind.CALLBACK, channel=Channel.PHONE, district_slug="hoerde", phone="+49 231 7654321",
                   caller_name="Demo-Anrufer", consent_data=True, idempotency_key="demo-2"),
        NewRequest(kind=RequestKind.CALLBACK, channel=Channel.PHONE, district_slug=None, phone="0231 5550123",
                   incomplete=True, idempotency_key="demo-3"),
        NewRequest(kind=RequestKind.CALLBACK, channel=Channel.KIOSK, district_slug="eving", phone="0231 9876543",
                   caller_name="Max Mustermann (Demo)", topic="Frage zum Mittagstisch",
                   consent_data=True, idempotency_key="demo-4"),
    )
    for sample in samples:
        create_request(session, sample, actor="demo")


def seed_all(session: Session, venue_slug: str, kiosk_token: str) -> None:
    """Everything ``make run`` needs for a complete demo."""
    seed_reference_data(session)
    seed_demo_events(session)
    seed_demo_staff(session)
    seed_demo_kiosk(session, venue_slug, kiosk_token)
    seed_demo_requests(session)
