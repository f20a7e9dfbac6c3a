"""The OpenAPI 3.0 document of ``/api/v1`` (a test keeps it in step with the routes)."""

from __future__ import annotations

from typing import Any

from shared.models.vocabulary import PreferredTime, RequestKind

_DATE = {"type": "string", "format": "date"}


def _param(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


_EVENT_FILTERS = [
    _param("from", _DATE, "First day (Europe/Berlin), default today; from 31 days back to 550 days "
                          "ahead (other dates: 400)."),
    _param("to", _DATE, "Last day, inclusive; default 30 days after `from`; at most 365 days after "
                        "`from`, cut at 550 days ahead."),
    _param("district", {"type": "string"}, "District slug(s), comma separated, e.g. `hoerde`."),
    _param("venue", {"type": "string"}, "Venue slug."),
    _param("category", {"type": "string"}, "Category slug, e.g. `bewegung`."),
    _param("q", {"type": "string"}, "Text in title, description or location."),
    _param("limit", {"type": "integer", "minimum": 1, "maximum": 1000},
           "At most this many occurrences (default 1000)."),
]

_ERROR = {"description": "Bad input",
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _json(schema_ref: str, description: str = "OK") -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_ref}"}}}}


def _list_of(key: str, item_ref: str) -> dict[str, Any]:
    return {
        "type": "object", "required": [key],
        "properties": {key: {"type": "array", "items": {"$ref": f"#/components/schemas/{item_ref}"}}},
    }


_SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object", "required": ["error"],
        "properties": {
            "error": {"type": "string"}, "message": {"type": "string"},
            "errors": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    },
    "District": {
        "type": "object", "required": ["slug", "name", "number"],
        "properties": {"slug": {"type": "string"}, "name": {"type": "string"},
                       "number": {"type": "integer", "minimum": 1, "maximum": 12}},
    },
    "Venue": {
        "type": "object", "required": ["slug", "name", "kind", "district", "address"],
        "properties": {
            "slug": {"type": "string"}, "name": {"type": "string"}, "kind": {"type": "string"},
            "district": {"type": "string"}, "address": {"type": "string"}, "phone": {"type": "string"},
            "wheelchair_accessible": {"type": "boolean"}, "hearing_loop": {"type": "boolean"},
        },
    },
    "Category": {
        "type": "object", "required": ["slug", "name"],
        "properties": {"slug": {"type": "string"}, "name": {"type": "string"}},
    },
    "Occurrence": {
        "type": "object",
        "required": ["id", "title", "start", "end", "venue", "district", "categories"],
        "properties": {
            "id": {"type": "integer"}, "title": {"type": "string"},
            "start": {"type": "string", "format": "date-time"},
            "end": {"type": "string", "format": "date-time"},
            "venue": {"type": "string", "nullable": True},
            "venue_slug": {"type": "string", "nullable": True},
            "location": {"type": "string"},
            "district": {"type": "string", "nullable": True, "description": "null: city-wide (ganz Dortmund)"},
            "district_name": {"type": "string"},
            "categories": {"type": "array", "items": {"type": "string"}},
            "all_day": {"type": "boolean"}, "barrier_free": {"type": "boolean"},
            "cost": {"type": "string"}, "cancelled": {"type": "boolean"},
        },
    },
    "EventDetail": {
        "allOf": [
            {"$ref": "#/components/schemas/Occurrence"},
            {"type": "object", "properties": {
                "description": {"type": "string"},
                "recurrence": {"type": "string", "nullable": True},
                "upcoming": {"type": "array", "items": {"type": "object", "properties": {
                    "start": {"type": "string", "format": "date-time"},
                    "end": {"type": "string", "format": "date-time"}}}},
            }},
        ],
    },
    "NewRequest": {
        "type": "object", "required": ["kind", "district", "phone", "name", "consent"],
        "properties": {
            "kind": {"type": "string", "enum": [kind.value for kind in RequestKind]},
            "district": {"type": "string"}, "phone": {"type": "string"}, "name": {"type": "string"},
            "preferred_time": {"type": "string", "enum": [time.value for time in PreferredTime]},
            "topic": {"type": "string"}, "language": {"type": "string"},
            "consent": {"type": "boolean"}, "event_id": {"type": "integer"},
            "idempotency_key": {"type": "string"},
            "reference": {"type": "string", "pattern": "^[1-9][0-9]{7}$",
                          "description": "The reference a kiosk node already printed; kept when still free."},
        },
    },
    "ScheduleFeed": {
        "type": "object", "required": ["full", "cursor", "version", "events", "deleted", "places"],
        "properties": {
            "full": {"type": "boolean", "description": "True: the events are all still to come; drop the others."},
            "cursor": {"type": "string", "format": "date-time", "description": "Pass as `since` next time."},
            "version": {"type": "string", "description": "The ETag; send it as If-None-Match next time."},
            "events": {"type": "array", "items": {"$ref": "#/components/schemas/EventRow"}},
            "deleted": {"type": "array", "items": {"type": "integer"}, "description": "Ids of deleted events."},
            "places": {"type": "object", "nullable": True,
                       "description": "Rows of districts, venues, office_hours and categories; null when "
                                      "their digest equals `places`.",
                       "additionalProperties": {"type": "array", "items": {"type": "object"}}},
        },
    },
    "EventRow": {
        "type": "object", "required": ["id", "title", "start", "end", "district_id", "updated_at", "categories"],
        "description": "A row of the events table (times UTC, ISO 8601) with its topic ids.",
        "properties": {
            "id": {"type": "integer"}, "title": {"type": "string"},
            "start": {"type": "string"}, "end": {"type": "string"}, "updated_at": {"type": "string"},
            "rrule": {"type": "string"}, "exdates": {"type": "string"}, "cancelled": {"type": "boolean"},
            "district_id": {"type": "integer"}, "venue_id": {"type": "integer", "nullable": True},
            "categories": {"type": "array", "items": {"type": "integer"}},
        },
    },
    "Heartbeat": {
        "type": "object",
        "properties": {
            "printer_status": {"type": "string", "pattern": "^[a-z_]{0,20}$",
                               "description": "ready, paper_out, cover_open, offline or unknown."},
            "version": {"type": "string", "maxLength": 40},
            "outbox_length": {"type": "integer", "minimum": 0, "maximum": 1000000},
        },
    },
    "HeartbeatReceipt": {
        "type": "object", "required": ["kiosk", "last_seen_at"],
        "properties": {"kiosk": {"type": "string"}, "last_seen_at": {"type": "string", "format": "date-time"}},
    },
    "RequestReceipt": {
        "type": "object", "required": ["id", "reference", "status", "kind", "due_date"],
        "properties": {
            "id": {"type": "integer"}, "reference": {"type": "string"}, "status": {"type": "string"},
            "kind": {"type": "string"}, "due_date": {"type": "string", "format": "date"},
        },
    },
}


def openapi_document() -> dict[str, Any]:
    """Build the OpenAPI 3.0.3 document."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Treffpunkt API", "version": "1.0.0",
            "description": "Events of Dortmund's Seniorenbüros and Begegnungszentren, and requests "
                           "for callbacks and home visits from kiosks.",
        },
        "servers": [{"url": "/api/v1"}],
        "paths": {
            "/districts": {"get": {"summary": "The twelve districts", "operationId": "listDistricts",
                                   "responses": {"200": _json("DistrictList")}}},
            "/venues": {"get": {
                "summary": "Venues", "operationId": "listVenues",
                "parameters": [_param("district", {"type": "string"}, "District slug.")],
                "responses": {"200": _json("VenueList"), "400": _ERROR}}},
            "/categories": {"get": {"summary": "Event topics", "operationId": "listCategories",
                                    "responses": {"200": _json("CategoryList")}}},
            "/events": {"get": {
                "summary": "Event occurrences", "operationId": "listEvents",
                "parameters": _EVENT_FILTERS,
                "responses": {"200": _json("OccurrenceList"), "400": _ERROR}}},
            "/events.ics": {"get": {
                "summary": "Event occurrences as iCalendar", "operationId": "exportEvents",
                "parameters": _EVENT_FILTERS,
                "responses": {"200": {"description": "RFC 5545 calendar",
                                      "content": {"text/calendar": {"schema": {"type": "string"}}}},
                              "400": _ERROR}}},
            "/events/{event_id}": {"get": {
                "summary": "One event with its next dates", "operationId": "showEvent",
                "parameters": [{"name": "event_id", "in": "path", "required": True,
                                "schema": {"type": "integer", "minimum": 1}}],
                "responses": {"200": _json("EventDetail"), "404": _ERROR}}},
            "/requests": {"post": {
                "summary": "Create a callback or home-visit request (kiosk token)",
                "operationId": "submitRequest",
                "security": [{"kioskToken": []}],
                "parameters": [{"name": "Idempotency-Key", "in": "header", "required": False,
                                "schema": {"type": "string"}}],
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/NewRequest"}}}},
                "responses": {"201": _json("RequestReceipt", "Created"),
                              "200": _json("RequestReceipt", "Already created with this key"),
                              "400": _ERROR, "401": _ERROR}}},
            "/kiosk/schedule": {"get": {
                "summary": "The schedule a kiosk node mirrors, changes since a cursor (kiosk token)",
                "operationId": "kioskSchedule",
                "security": [{"kioskToken": []}],
                "parameters": [
                    _param("since", {"type": "string", "format": "date-time"},
                           "The `cursor` of the last answer; without it everything still to come."),
                    _param("places", {"type": "string"}, "Digest of the places the node holds."),
                    {"name": "If-None-Match", "in": "header", "required": False, "schema": {"type": "string"},
                     "description": "The `version` (ETag) of the last answer: 304 when nothing changed."},
                ],
                "responses": {"200": _json("ScheduleFeed"),
                              "304": {"description": "Nothing changed since the answer with this ETag"},
                              "400": _ERROR, "401": _ERROR}}},
            "/kiosk/heartbeat": {"post": {
                "summary": "A kiosk node reports it is alive, its printer state, version and outbox",
                "operationId": "kioskHeartbeat",
                "security": [{"kioskToken": []}],
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Heartbeat"}}}},
                "responses": {"200": _json("HeartbeatReceipt"), "400": _ERROR, "401": _ERROR}}},
            "/openapi.json": {"get": {"summary": "This document", "operationId": "openapi",
                                      "responses": {"200": {"description": "OpenAPI document",
                                                            "content": {"application/json": {
                                                                "schema": {"type": "object"}}}}}}},
        },
        "components": {
            "schemas": {
                **_SCHEMAS,
                "DistrictList": _list_of("districts", "District"),
                "VenueList": _list_of("venues", "Venue"),
                "CategoryList": _list_of("categories", "Category"),
                "OccurrenceList": _list_of("events", "Occurrence"),
            },
            "securitySchemes": {"kioskToken": {"type": "http", "scheme": "bearer"}},
        },
    }
