"""`idesluss teams …`: what an administrator needs from the command line for Teams."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

teams_app = typer.Typer(help="Microsoft Teams.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(teams_app, name="teams")


@teams_app.command("package")
def package(
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the zip.")] = Path("idesluss-teams.zip"),
    domain: Annotated[str | None, typer.Option(help="The bot's public host name, e.g. idesluss.kommun.se.")] = None,
    version: Annotated[str, typer.Option(help="The app version (raise it for every upload).")] = "1.0.0",
    website: Annotated[str | None, typer.Option(help="The developer website shown in Teams.")] = None,
    privacy_url: Annotated[str | None, typer.Option(help="Privacy statement URL.")] = None,
    terms_url: Annotated[str | None, typer.Option(help="Terms of use URL.")] = None,
) -> None:
    """Write the Teams app package (manifest.json, en-us.json, color.png, outline.png) to upload."""
    from bot.config import get_settings
    from bot.teams.package import PackageInfo, write_package

    settings = get_settings()
    if not settings.teams_app_id:
        typer.echo("Set TEAMS_APP_ID (the Azure Bot's Microsoft App ID) first.", err=True)
        raise typer.Exit(2)
    info = PackageInfo(app_id=settings.teams_app_id, version=version, domain=domain,
                       organisation=settings.organisation_name or "idesluss", website=website,
                       privacy_url=privacy_url, terms_url=terms_url)
    written = write_package(info, out)
    typer.echo(f"Wrote {written} – upload it in Teams admin center › Manage apps › Upload.")
