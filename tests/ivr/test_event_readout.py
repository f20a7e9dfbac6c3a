"""An event read out on the phone: date, time, place and price written for the ear."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ivr.flow.services import spoken_event
from shared.models import Event, Venue
from shared.services.events import OccurrenceView

# 13:30 UTC on Wednesday 9 December 2026 is 14:30 in Dortmund.
START = datetime(2026, 12, 9, 13, 30, tzinfo=UTC)


@pytest.mark.parametrize(("venue", "location", "cost", "expected"), [
    ("Seniorenbüro Hörde", "", "3 €",
     "Mittwoch, der neunte Dezember, um vierzehn Uhr dreißig. Singkreis. Das ist im Seniorenbüro Hörde. "
     "Das kostet drei Euro."),
    ("Begegnungszentrum Eving", "", "kostenlos",
     "Mittwoch, der neunte Dezember, um vierzehn Uhr dreißig. Singkreis. Das ist im Begegnungszentrum Eving. "
     "Der Eintritt ist frei."),
    (None, "Kirche St. Josef", "",
     "Mittwoch, der neunte Dezember, um vierzehn Uhr dreißig. Singkreis. Veranstaltungsort: Kirche St. Josef."),
])
def test_event_readout_in_german(venue: str | None, location: str, cost: str, expected: str) -> None:
    event = Event(title="Singkreis", location=location, cost=cost,
                  venue=Venue(name=venue) if venue else None)
    assert spoken_event(OccurrenceView(event, START, START), "de") == expected


def test_event_readout_in_turkish() -> None:
    event = Event(title="Singkreis", location="", cost="2,50 €", venue=Venue(name="Seniorenbüro Hörde"))
    assert spoken_event(OccurrenceView(event, START, START), "tr") == (
        "dokuz Aralık Çarşamba, saat on dört otuz. Singkreis. Yer: Seniorenbüro Hörde. Ücret: iki avro elli.")
