"""JSON shapes of the API (the contract documented in the OpenAPI document)."""

from __future__ import annotations

from typing import Any

from shared.models import District, Event, Request, Venue
from shared.services.events import OccurrenceView


def district_json(district: District) -> dict[str, Any]:
    return {"slug": district.slug, "name": district.name, "number": district.number}


def venue_json(venue: Venue) -> dict[str, Any]:
    return {
        "slug": venue.slug, "name": venue.name, "kind": venue.kind, "district": venue.district.slug,
        "address": venue.address, "phone": venue.phone,
        "wheelchair_accessible": venue.wheelchair_accessible, "hearing_loop": venue.hearing_loop,
    }


def _event_fields(event: Event) -> dict[str, Any]:
    return {
        "id": event.id,
        "title": event.title,
        "venue": event.venue.name if event.venue else None,
        "venue_slug": event.venue.slug if event.venue else None,
        "location": event.location or (event.venue.address if event.venue else ""),
        "district": event.district.slug if event.district else None,  # None: city-wide
        "district_name": event.district_name,
        "categories": [category.slug for category in event.categories],
        "all_day": event.all_day,
        "barrier_free": event.barrier_free,
        "cost": event.cost,
        "cancelled": event.cancelled,
    }


def occurrence_json(view: OccurrenceView) -> dict[str, Any]:
    return {
        **_event_fields(view.event),
        "start": view.local_start.isoformat(),
        "end": view.local_end.isoformat(),
    }


def event_json(event: Event, upcoming: list[OccurrenceView]) -> dict[str, Any]:
    return {
        **_event_fields(event),
        "description": event.description,
        "start": upcoming[0].local_start.isoformat() if upcoming else None,
        "end": upcoming[0].local_end.isoformat() if upcoming else None,
        "recurrence": event.rrule or None,
        "upcoming": [{"start": v.local_start.isoformat(), "end": v.local_end.isoformat()} for v in upcoming],
    }


def request_receipt_json(request: Request) -> dict[str, Any]:
    return {
        "id": request.id, "reference": request.reference, "status": request.status,
        "kind": request.kind, "due_date": request.due_date.isoformat(),
    }
