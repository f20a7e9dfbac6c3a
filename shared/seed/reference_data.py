"""Dortmund's twelve Stadtbezirke, their Seniorenbüros, Begegnungszentren and event topics.

Addresses and phone numbers of the venues are demo values in the shape of the real ones; a
deployment maintains the real data in the staff dashboard.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DistrictInfo:
    """A Stadtbezirk in the city's official order, with the ways callers say its name."""

    number: int
    slug: str
    name: str
    variants: tuple[str, ...] = ()


DISTRICTS: tuple[DistrictInfo, ...] = (
    DistrictInfo(
        1, "innenstadt-west", "Innenstadt-West",
        ("innenstadt west", "west", "city west", "kreuzviertel", "dorstfeld"),
    ),
    DistrictInfo(
        2, "innenstadt-nord", "Innenstadt-Nord",
        ("innenstadt nord", "nordstadt", "nord", "borsigplatz", "hafen"),
    ),
    DistrictInfo(3, "innenstadt-ost", "Innenstadt-Ost", ("innenstadt ost", "ost", "kaiserviertel", "körne")),
    DistrictInfo(4, "eving", "Eving", ("eving", "brechten", "lindenhorst")),
    DistrictInfo(5, "scharnhorst", "Scharnhorst", ("scharnhorst", "kurl", "husen", "derne")),
    DistrictInfo(6, "brackel", "Brackel", ("brackel", "wickede", "asseln")),
    DistrictInfo(7, "aplerbeck", "Aplerbeck", ("aplerbeck", "schüren", "sölde")),
    DistrictInfo(8, "hoerde", "Hörde", ("hörde", "hoerde", "phoenix see", "wellinghofen")),
    DistrictInfo(9, "hombruch", "Hombruch", ("hombruch", "barop", "eichlinghofen", "kirchhörde")),
    DistrictInfo(
        10, "luetgendortmund", "Lütgendortmund",
        ("lütgendortmund", "luetgendortmund", "lütgen", "marten", "kirchlinde"),
    ),
    DistrictInfo(11, "huckarde", "Huckarde", ("huckarde", "deusen", "mengede nord")),
    DistrictInfo(12, "mengede", "Mengede", ("mengede", "westerfilde", "nette")),
)

CATEGORIES: tuple[tuple[str, str], ...] = (
    ("bewegung", "Bewegung und Sport"),
    ("gesundheit", "Gesundheit"),
    ("kultur", "Kultur und Musik"),
    ("geselligkeit", "Geselligkeit und Treffen"),
    ("beratung", "Beratung und Information"),
    ("bildung", "Bildung und Digitales"),
    ("ausflug", "Ausflüge"),
    ("fest", "Feste und Feiern"),
)


@dataclass(frozen=True)
class VenueInfo:
    """A venue to seed: a Seniorenbüro (one per district) or a Begegnungszentrum."""

    slug: str
    name: str
    kind: str
    district: str
    street: str
    postcode: str
    phone: str
    wheelchair_accessible: bool = True
    hearing_loop: bool = False


def _seniorenbuero(number: int, slug: str, name: str, street: str, postcode: str) -> VenueInfo:
    return VenueInfo(
        slug=f"sb-{slug}", name=f"Seniorenbüro {name}", kind="seniorenbuero", district=slug,
        street=street, postcode=postcode, phone=f"+4923150{29400 + number}",
    )


SENIORENBUEROS: tuple[VenueInfo, ...] = (
    _seniorenbuero(1, "innenstadt-west", "Innenstadt-West", "Königswall 25", "44137"),
    _seniorenbuero(2, "innenstadt-nord", "Innenstadt-Nord", "Bornstraße 65", "44145"),
    _seniorenbuero(3, "innenstadt-ost", "Innenstadt-Ost", "Kaiserstraße 60", "44135"),
    _seniorenbuero(4, "eving", "Eving", "Deutsche Straße 27", "44339"),
    _seniorenbuero(5, "scharnhorst", "Scharnhorst", "Gleiwitzstraße 275", "44328"),
    _seniorenbuero(6, "brackel", "Brackel", "Brackeler Hellweg 170", "44309"),
    _seniorenbuero(7, "aplerbeck", "Aplerbeck", "Aplerbecker Marktplatz 21", "44287"),
    _seniorenbuero(8, "hoerde", "Hörde", "Hörder Bahnhofstraße 16", "44263"),
    _seniorenbuero(9, "hombruch", "Hombruch", "Harkortstraße 58", "44225"),
    _seniorenbuero(10, "luetgendortmund", "Lütgendortmund", "Limbecker Straße 31", "44388"),
    _seniorenbuero(11, "huckarde", "Huckarde", "Urbanusstraße 5", "44369"),
    _seniorenbuero(12, "mengede", "Mengede", "Am Amtshaus 1", "44359"),
)

BEGEGNUNGSZENTREN: tuple[VenueInfo, ...] = (
    VenueInfo("bz-hoerde", "Begegnungszentrum Hörde", "begegnungszentrum", "hoerde",
              "Hermannstraße 74", "44263", "+492314277310", hearing_loop=True),
    VenueInfo("bz-nordstadt", "Begegnungszentrum Nordstadt", "begegnungszentrum", "innenstadt-nord",
              "Mallinckrodtstraße 56", "44145", "+492318632940"),
    VenueInfo("eugen-krautscheid-haus", "Stadtteilzentrum Eugen-Krautscheid-Haus", "begegnungszentrum",
              "innenstadt-west", "Lange Straße 42", "44137", "+49231144110", hearing_loop=True),
    VenueInfo("bz-aplerbeck", "Begegnungszentrum Aplerbeck", "begegnungszentrum", "aplerbeck",
              "Rodenbergstraße 36", "44287", "+492314491150"),
    VenueInfo("bz-eving", "Begegnungszentrum Eving", "begegnungszentrum", "eving",
              "Evinger Platz 2", "44339", "+49231853711", wheelchair_accessible=False),
    VenueInfo("bz-huckarde", "Begegnungszentrum Huckarde", "begegnungszentrum", "huckarde",
              "Parsevalstraße 19", "44369", "+49231391400"),
    VenueInfo("bz-brackel", "Begegnungszentrum Brackel", "begegnungszentrum", "brackel",
              "Flughafenstraße 62", "44309", "+492312597830"),
    VenueInfo("bz-mengede", "Begegnungszentrum Mengede", "begegnungszentrum", "mengede",
              "Siegburgstraße 32", "44359", "+49231355410", hearing_loop=True),
)
