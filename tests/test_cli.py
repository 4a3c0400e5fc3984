"""The command line as operators and a newcomer use it: real processes, a real database file."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import pytest


def run(args: list[str], database_url: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "IDESLUSS_DATABASE_URL": database_url, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], input=stdin, capture_output=True, text=True,
                          env=env, timeout=60)


def test_newcomer_pipes_three_lines_into_the_shell_and_exports_once(database_url):
    result = run(["shell", "--user", "anna"], database_url,
                 "/idé Cykelparkering vid stationen\n/idé lista\n/idé sök cykel\n")
    assert result.returncode == 0, result.stderr
    assert "Idé #1 är registrerad" in result.stdout
    assert result.stdout.count("#1 Cykelparkering vid stationen [Inkommen]") == 2
    exported = json.loads(run(["ideas", "export", "--format", "json"], database_url).stdout)
    assert len(exported) == 1
    idea = exported[0]
    assert {"id", "number", "title", "text", "stage", "author", "source", "created_at", "updated_at"} <= set(idea)
    assert (idea["number"], idea["title"], idea["stage"], idea["author"], idea["source"]) == (
        1, "Cykelparkering vid stationen", "new", "shell:anna", "shell")


def test_shell_in_english(database_url):
    result = run(["shell", "--user", "eve", "--lang", "en"], database_url, "/idea Better signs\n")
    assert "Thank you! Idea #1 is registered" in result.stdout


def test_csv_export_is_utf8_with_the_same_columns(database_url):
    run(["shell", "--user", "åsa"], database_url, "/idé Ärendehantering för äldreomsorgen, \"snabbare\"\n")
    out = run(["ideas", "export", "--format", "csv"], database_url)
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert rows[0]["title"] == 'Ärendehantering för äldreomsorgen, "snabbare"'
    assert rows[0]["author"] == "shell:åsa"
    assert {"id", "number", "title", "text", "stage", "author", "source", "created_at", "updated_at"} <= set(rows[0])


def test_roles_grant_list_revoke_and_a_coach_moves_a_stage(database_url):
    run(["shell", "--user", "anna"], database_url, "/idé Solceller\n")
    assert run(["roles", "grant", "shell:cecilia", "coach"], database_url).returncode == 0
    assert run(["roles", "grant", "slack:U123", "manager"], database_url).returncode == 0
    listed = run(["roles", "list"], database_url).stdout
    assert "shell:cecilia\tcoach" in listed and "slack:U123\tmanager" in listed
    moved = run(["shell", "--user", "cecilia"], database_url, "/idé status 1 pilot\n")
    assert "Test/pilot" in moved.stdout
    assert "[till shell:anna]" in moved.stdout  # the author is told, through the outbox
    assert run(["roles", "revoke", "shell:cecilia", "coach"], database_url).returncode == 0
    assert "shell:cecilia" not in run(["roles", "list"], database_url).stdout


@pytest.mark.parametrize("args", [["roles", "grant", "anna", "coach"], ["roles", "grant", "shell:anna", "boss"],
                                  ["ideas", "export", "--format", "xml"]])
def test_bad_arguments_get_a_clear_message_not_a_traceback(database_url, args):
    result = run(args, database_url)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and result.stderr.strip()


def test_db_upgrade_is_repeatable(database_url):
    assert run(["db", "upgrade"], database_url).returncode == 0
    assert run(["db", "upgrade"], database_url).returncode == 0


def test_a_manager_can_be_scoped_to_a_pilot_group(database_url):
    assert run(["groups", "create", "Hemtjänsten Norr"], database_url).returncode == 0
    granted = run(["roles", "grant", "slack:U42", "manager", "--group", "Hemtjänsten Norr"], database_url)
    assert granted.returncode == 0, granted.stderr
    assert "slack:U42\tmanager\tgroup Hemtjänsten Norr" in run(["roles", "list"], database_url).stdout
    missing = run(["roles", "grant", "slack:U42", "manager", "--group", "Finns inte"], database_url)
    assert missing.returncode == 2 and "Finns inte" in missing.stderr
