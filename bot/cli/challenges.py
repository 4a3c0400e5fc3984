"""`idesluss challenges create|list|close`: challenges (utmaningar) from the command line.

Creating one announces it through the outbox and sends at once with the runtime's senders, exactly as the chat
form does; closing one sends its summary to its owner (or, without one, to the organisation's managers).
"""

from __future__ import annotations

import json
import sys
from datetime import date
from typing import Annotated

import typer

from bot.cli import common

challenges_app = typer.Typer(help="Challenges (utmaningar): posed, announced, answered, summed up.",
                             no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(challenges_app, name="challenges")


def _dispatch(runtime) -> str:  # type: ignore[no-untyped-def]
    from storage import outbox

    with runtime.db.session() as session:
        waiting = outbox.waiting_by_platform(session)
    missing = sorted(p for p in waiting if p not in runtime.senders)
    if missing:
        typer.echo(f"No sender configured for {', '.join(missing)}: those messages wait in the outbox.", err=True)
    result = runtime.dispatch_now(max_wait=120)
    return f"sent {result.sent}, failed {result.failed}, dead {result.dead}"


@challenges_app.command("create")
def challenges_create(
    org: Annotated[str, typer.Option("--org", help="The organisation that poses it.")],
    title: Annotated[str, typer.Option("--title", help="What the challenge asks.")],
    ends: Annotated[str, typer.Option("--ends", help="Its last day, YYYY-MM-DD (in the organisation's time zone).")],
    description: Annotated[str, typer.Option("--description", help="More about it.")] = "",
    partners: Annotated[bool, typer.Option("--partners", help="Share it with the partner organisations.")] = False,
    group: Annotated[str | None, typer.Option("--group", help="Announce it to this pilot group.")] = None,
    slack_channel: Annotated[str | None, typer.Option("--slack-channel", help="Post it in this Slack channel.")]
    = None,
    teams_conversation: Annotated[str | None, typer.Option("--teams-conversation",
                                                           help="Post it in this Teams conversation.")] = None,
    everyone: Annotated[bool | None, typer.Option("--everyone/--no-everyone", help="Announce it to every known "
                                                  "person (default: when no group or channel is given).")] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="Who gets the summary (slack:U…, teams:…); "
                                                              "default: the organisation's managers.")] = None,
) -> None:
    """Pose a challenge, announce it (with the button "Jag har en idé") and send the announcements now."""
    from bot.core.challenge_messages import announce
    from bot.core.i18n import language
    from storage.challenges import NewChallenge, create_challenge
    from storage.groups import get_group

    try:
        ends_on = date.fromisoformat(ends)
    except ValueError:
        common.fail("--ends is a date, YYYY-MM-DD, e.g. 2026-04-30.")
    if not title.strip():
        common.fail("--title must say what the challenge asks.")
    runtime = common.runtime()
    now = runtime.clock.now()
    with runtime.db.session() as session:
        poser = common.org_by_key(session, org, runtime.settings, now)
        found_group = None
        if group is not None:
            found_group = get_group(session, poser.id, group)
            if found_group is None:
                common.fail(f"{poser.key!r} has no pilot group {group!r}: see `idesluss groups list`.")
        from zoneinfo import ZoneInfo

        if ends_on < now.astimezone(ZoneInfo(poser.timezone or runtime.settings.timezone)).date():
            common.fail(f"{ends} has passed: the last day is today or later.")
        who = common.person(session, owner, runtime.settings, now, org=poser) if owner else None
        new = NewChallenge(title=title, description=description, ends_on=ends_on, owner_id=who.id if who else None,
                           partners=partners, group_id=found_group.id if found_group else None,
                           slack_channel=slack_channel, teams_conversation=teams_conversation,
                           everyone=everyone if everyone is not None else not (group or slack_channel or
                                                                               teams_conversation))
        challenge = create_challenge(session, poser.id, new, now=now)
        enqueued = announce(session, challenge, default_lang=language(runtime.settings.default_locale), now=now)
        number = challenge.id
    outcome = _dispatch(runtime)
    typer.echo(f"Challenge #{number} {title!r} ({poser.key}, last day {ends_on}): {enqueued} announcements; {outcome}.")


@challenges_app.command("list")
def challenges_list(
    fmt: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
    org: Annotated[str | None, typer.Option("--org", help="Only this organisation's challenges.")] = None,
) -> None:
    """Every challenge, open and closed, with the ideas that answer it, per organisation."""
    from storage import challenges as store
    from storage.orgs import label, orgs_by_ids

    if fmt not in ("text", "json"):
        common.fail("--format must be text or json.")
    settings, now = common.settings(), common.clock().now()
    db = common.database(settings)
    with db.session() as session:
        only = common.org_by_key(session, org, settings, now) if org else None
        found = store.all_challenges(session, org_id=only.id if only else None)
        organisations = orgs_by_ids(session, {c.org_id for c in found})
        rows = []
        for c in found:
            answers = store.answers(session, c.id)  # type: ignore[arg-type]
            per_org: dict[str, int] = {}
            for a in answers:
                per_org[a.organisation.key] = per_org.get(a.organisation.key, 0) + 1
            rows.append({"id": c.id, "organisation": organisations[c.org_id].key, "title": c.title,
                         "description": c.description, "ends": c.ends_on.isoformat(), "state": c.state,
                         "partners": c.partners, "ideas": len(answers), "organisations": per_org,
                         "votes": sum(a.votes for a in answers),
                         "answers": [{"organisation": a.organisation.key, "label": label(a.organisation),
                                      "number": a.idea.number, "title": a.idea.title, "stage": a.idea.stage,
                                      "votes": a.votes} for a in answers]})
    if fmt == "json":
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    if not rows:
        typer.echo("No challenges yet: `idesluss challenges create --org KEY --title … --ends YYYY-MM-DD`.")
    for row in rows:
        shared = " (shared)" if row["partners"] else ""
        per = ", ".join(f"{k} {n}" for k, n in sorted(row["organisations"].items())) or "no ideas yet"  # type: ignore[union-attr]
        typer.echo(f"#{row['id']}\t{row['organisation']}{shared}\t{row['state']}\tends {row['ends']}\t"
                   f"{row['title']}\t{row['ideas']} ideas: {per}")


@challenges_app.command("close")
def challenges_close(number: Annotated[int, typer.Argument(help="The challenge's number.")]) -> None:
    """End the challenge now and send its summary to its owner (or the organisation's managers)."""
    from bot.core.challenge_messages import close
    from bot.core.i18n import language
    from bot.shell import render
    from storage.challenges import get_challenge

    runtime = common.runtime()
    with runtime.db.session() as session:
        challenge = get_challenge(session, number)
        if challenge is None:
            common.fail(f"There is no challenge #{number}: see `idesluss challenges list`.")
        summary = close(session, challenge, default_lang=language(runtime.settings.default_locale),
                        now=runtime.clock.now())
    if summary is None:
        common.fail(f"Challenge #{number} was closed already.")
    outcome = _dispatch(runtime)
    typer.echo(f"{render(summary)}\n\nSummary: {outcome}.")
