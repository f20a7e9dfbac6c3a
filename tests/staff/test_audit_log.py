"""The audit log: filters by date range, actor, action and record; CSV export safe against formulas."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from flask.testing import FlaskClient
from sqlalchemy import update

from shared.clock import BERLIN
from shared.db import Database
from shared.models import AuditEntry
from shared.services import audit
from tests.staff.conftest import Staff


def _seed(db: Database) -> None:
    rows = (("staff:anna", "view", "request", "7", datetime(2026, 11, 2, 0, 30, tzinfo=BERLIN), "page=1"),
            ("staff:anna", "update", "request", "7", datetime(2026, 11, 3, 23, 50, tzinfo=BERLIN), "=HYPERLINK(1)"),
            ("staff:bert", "play", "voice_message", "3", datetime(2026, 11, 4, 12, 0, tzinfo=BERLIN), "request=7"))
    with db.session() as session:
        for actor, action, record_type, record_id, at, detail in rows:
            entry = audit.record(session, actor, action, record_type, record_id, None, detail)
            session.flush()
            session.execute(update(AuditEntry).where(AuditEntry.id == entry.id).values(at=at))


def _rows(client: FlaskClient, query: str) -> list[list[str]]:
    response = client.get(f"/staff/audit.csv?{query}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))[1:]


def test_audit_log_filters_by_local_days_actor_action_and_record(admin_client: FlaskClient, db: Database,
                                                                  staff_users: Staff) -> None:
    _seed(db)
    # Local days: 00:30 on 2 Nov and 23:50 on 3 Nov (Berlin) are inside 2–3 Nov, whatever UTC says.
    assert [row[2] for row in _rows(admin_client, "from=2026-11-02&to=2026-11-03")] == ["update", "view"]
    assert [row[2] for row in _rows(admin_client, "from=2026-11-04&to=2026-11-30")] == ["play"]
    assert [row[2] for row in _rows(admin_client, "actor=staff:anna&action=update")] == ["update"]
    assert [row[1] for row in _rows(admin_client, "record_type=voice_message&record_id=3")] == ["staff:bert"]
    assert _rows(admin_client, "from=2026-11-05&to=2026-11-06&actor=staff:anna") == []
    page = admin_client.get("/staff/audit?actor=staff:bert").get_data(as_text=True)
    assert "voice_message 3" in page and "staff:anna" not in page
    # A malformed date is ignored rather than an error.
    assert admin_client.get("/staff/audit?from=2026-13-45").status_code == 200


def test_audit_export_neutralises_formulas_is_admin_only_and_audited(admin_client: FlaskClient,
                                                                      hoerde_client: FlaskClient, db: Database,
                                                                      staff_users: Staff) -> None:
    _seed(db)
    rows = _rows(admin_client, "action=update")
    assert rows[0][6] == "'=HYPERLINK(1)" and rows[0][0] == "2026-11-03 23:50:00"
    assert hoerde_client.get("/staff/audit.csv").status_code == 403
    assert [row[4] for row in _rows(admin_client, "action=export&record_type=audit")] == ["csv"]
