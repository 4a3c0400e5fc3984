"""An operator sets up the feedback promise from the command line, and the shell shows it."""

from __future__ import annotations

import json

from tests.test_cli import run


def test_an_operator_assigns_coaches_sets_the_promise_and_the_headcount(database_url):
    assert run(["roles", "grant", "shell:cecilia", "coach"], database_url).returncode == 0
    assert run(["roles", "grant", "shell:david", "coach"], database_url).returncode == 0
    refused = run(["coaches", "assign", "--unit", "Hemtjänst", "shell:anna"], database_url)
    assert refused.returncode == 2 and "no coach" in refused.stderr and "Traceback" not in refused.stderr
    assert "go to shell:david" in run(["coaches", "assign", "--unit", "Hemtjänst", "shell:david"], database_url).stdout
    assert "Hemtjänst\tshell:david" in run(["coaches", "list"], database_url).stdout
    run(["groups", "create", "Skolan", "--platform", "shell"], database_url)
    run(["groups", "add-member", "Skolan", "shell:anna"], database_url)
    assert run(["groups", "set-coach", "Skolan", "shell:cecilia"], database_url).returncode == 0
    settings = run(["orgs", "set-feedback", "--org", "local", "--days", "5", "--no-tell-author"], database_url)
    assert "within 5 working days; author told when late: no" in settings.stdout
    assert "headcount 40" in run(["orgs", "set-headcount", "40", "--org", "local"], database_url).stdout

    shell = run(["shell", "--user", "anna"], database_url, "/idé Läxhjälp på biblioteket\n")
    assert "Din idé handläggs av cecilia." in shell.stdout  # the group's coach (Anna is a member)
    data = json.loads(run(["stats", "--org", "local", "--format", "json"], database_url).stdout)
    assert (data["ideas"], data["headcount"], data["headcount_source"], data["ideas_per_100"]) == (1, 40, "setting",
                                                                                                  2.5)
    assert run(["stats", "--period", "2026-Q5"], database_url).returncode == 2
