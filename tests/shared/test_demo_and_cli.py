"""Demo data covers every coming day in several districts; the CLI works end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import time_machine
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared import migrate
from shared.clock import BERLIN
from shared.db import Database
from shared.models import Event, Request, StaffUser
from shared.seed.demo import ANNIVERSARY_2022, seed_all
from shared.services.events import EventFilter, list_occurrences

PROJECT = Path(__file__).resolve().parents[2]


@time_machine.travel(datetime(2026, 11, 22, 9, tzinfo=BERLIN), tick=False)
def test_demo_is_idempotent_and_fills_every_day(session: Session) -> None:
    seed_all(session, "bz-hoerde", "token")
    counts = (session.scalar(select(func.count()).select_from(Event)),
              session.scalar(select(func.count()).select_from(Request)),
              session.scalar(select(func.count()).select_from(StaffUser)))
    seed_all(session, "bz-hoerde", "token")
    assert counts == (session.scalar(select(func.count()).select_from(Event)),
                      session.scalar(select(func.count()).select_from(Request)),
                      session.scalar(select(func.count()).select_from(StaffUser)))
    today = datetime(2026, 11, 22).date()
    for offset in range(28):
        day = today + timedelta(days=offset)
        views = list_occurrences(session, EventFilter(first=day, last=day))
        assert len({view.event.district_id for view in views}) >= 3, day
    programme = list_occurrences(session, EventFilter(first=today, last=today + timedelta(days=90), text="Luftballon"))
    assert [view.local_start.date() for view in programme] == [today + timedelta(days=2)]
    assert len(ANNIVERSARY_2022) == 13


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "shared", *args], capture_output=True, text=True,
                          env=env, cwd=PROJECT, timeout=120, check=False)


def test_cli_end_to_end(tmp_path: Path) -> None:
    env = {**os.environ, "TREFFPUNKT_DATA_DIR": str(tmp_path),
           "TREFFPUNKT_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}"}
    assert _cli("db", "upgrade", env=env).returncode == 0
    assert _cli("db", "check", env=env).returncode == 0
    demo = _cli("demo", env=env)
    assert demo.returncode == 0 and "andrea.schulz / treffpunkt-demo" in demo.stdout
    listed = _cli("requests", "list", "--json", env=env)
    assert listed.returncode == 0
    items = json.loads(listed.stdout)["requests"]
    assert len(items) == 4 and all("•" in item["phone"] for item in items)
    exported = _cli("export-ics", "--district", "hoerde", "-o", str(tmp_path / "out.ics"), env=env)
    assert exported.returncode == 0 and (tmp_path / "out.ics").read_bytes().startswith(b"BEGIN:VCALENDAR")
    bad = tmp_path / "bad.ics"
    bad.write_text("BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:x\nDTSTART:2026-12-01\nEND:VEVENT\nEND:VCALENDAR\n")
    failed = _cli("import-ics", str(bad), "--source", "test", env=env)
    assert failed.returncode != 0
    assert "Zeile 4" in failed.stderr and "nichts wurde importiert" in failed.stderr
    unknown = _cli("export-ics", "--district", "atlantis", env=env)
    assert unknown.returncode != 0 and "atlantis" in unknown.stderr
    bad_config = _cli("requests", "list", env={**env, "TREFFPUNKT_PRINTER": "lpt1"})
    assert bad_config.returncode != 0 and "TREFFPUNKT_PRINTER" in bad_config.stderr


def test_migrations_match_models(database: Database) -> None:
    assert migrate.pending_changes(database.engine) == []


def test_demo_accounts_are_personal_and_documented(session: Session) -> None:
    seed_all(session, "bz-hoerde", "token")
    names = set(session.scalars(select(StaffUser.username)))
    assert names == {"andrea.schulz", "hatice.yilmaz", "emil.becker"}
    assert not any("team" in user.display_name.casefold() for user in session.scalars(select(StaffUser)))
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert "`hatice.yilmaz` / `treffpunkt-demo`" in readme and "`andrea.schulz` / `treffpunkt-demo`" in readme
