"""`idesluss people export|erase`: a person's register extract (GDPR art. 15) and their erasure (art. 17).

Both are audited. A registrar who must keep identities with the records exports to the diarium first
(`idesluss ideas export --with-identities`): after an erasure the bot itself can no longer say who it was.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from bot.cli import common

people_app = typer.Typer(help="People: register extract and erasure (GDPR).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(people_app, name="people")


@people_app.command("export")
def people_export(person: str) -> None:
    """Print everything the bot holds about PERSON (slack:U…, teams:<aad id>, shell:<name>) as one JSON document."""
    from storage import audit
    from storage.register_extract import person_data

    now = common.clock().now()
    db = common.database()
    with db.session() as session:
        found = common.existing_person(session, person)
        if found is None:
            common.fail(f"The bot holds nothing about {person}: no such person (or already erased).")
        document = person_data(session, found)
        audit.record(session, action=audit.PERSON_EXPORT, now=now, via=audit.CLI, operator=common.operator(),
                     org_id=found.org_id, subject_id=found.id)
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")


@people_app.command("erase")
def people_erase(
    person: str,
    yes: Annotated[bool, typer.Option("--yes", help="Yes, erase: this cannot be undone.")] = False,
) -> None:
    """Erase what identifies PERSON; their ideas and comments stay as records by "Tidigare medarbetare".

    Running it again is harmless: an erased person is not found under their old name again.
    """
    from storage import audit
    from storage.erasure import erase_person

    if not yes:
        common.fail(f"Erasing {person} cannot be undone. Export to the diarium first if identities must be kept "
                    "(`idesluss ideas export --with-identities`), then run again with --yes.")
    now = common.clock().now()
    db = common.database()
    with db.session() as session:
        found = common.existing_person(session, person)
        if found is None:
            typer.echo(f"Nothing to erase: the bot holds no person {person} (never seen, or erased already).")
            return
        person_id = found.id
        report = erase_person(session, found, now=now)
        audit.record(session, action=audit.PERSON_ERASE, now=now, via=audit.CLI, operator=common.operator(),
                     org_id=found.org_id, subject_id=person_id, detail=report.counts())
    removed = ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in report.counts().items()
                        if n and name not in ("ideas_kept", "comments_kept"))
    typer.echo(f"Erased {person} (person #{person_id}): platform id, display name, locale and time zone removed"
               f"{'; ' + removed if removed else ''}.")
    typer.echo(f"Kept as the organisation's records, by “Tidigare medarbetare”: {report.ideas_kept} ideas, "
               f"{report.comments_kept} comments.")
