"""The Teams app package: manifest.json, en-us.json and the two icons, zipped for upload.

Swedish is the manifest's default language; English comes as a localization file, so Teams shows each
person the bot's name, description and command menu in their own client language. The command menu
inserts "idé lista" etc. because that is what the core's grammar reads in any chat.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from bot.teams.icons import ACCENT, color_icon, outline_icon

MANIFEST_VERSION = "1.17"
SCHEMA = f"https://developer.microsoft.com/en-us/json-schemas/teams/v{MANIFEST_VERSION}/MicrosoftTeams.schema.json"
LOCALIZATION_SCHEMA = (f"https://developer.microsoft.com/en-us/json-schemas/teams/v{MANIFEST_VERSION}"
                       "/MicrosoftTeams.Localization.schema.json")
SAVE_AS_IDEA = "saveAsIdea"
SCOPES = ["personal", "team", "groupChat"]

# (Swedish title, Swedish description, English title, English description); titles ≤ 32 characters.
COMMANDS = [
    ("idé", "Skicka in en idé: idé <din idé>", "idea", "Submit an idea: idea <your idea>"),
    ("idé lista", "Dina idéer och deras status", "idea list", "Your ideas and their status"),
    ("idé sök", "Sök bland organisationens idéer", "idea search", "Search the organisation's ideas"),
    ("idé visa", "Visa en idé med historik: idé visa <nr>", "idea show", "Show an idea: idea show <no>"),
    ("idé kö", "Idécoacher: idéer som väntar på dig", "idea queue", "Coaches: ideas waiting for you"),
    ("idé statistik", "Idéslussen i siffror", "idea stats", "The idea sluice in figures"),
    ("idé hjälp", "Så fungerar idéslussen", "idea help", "How the idea sluice works"),
]


@dataclass(slots=True)
class PackageInfo:
    app_id: str
    version: str = "1.0.0"
    domain: str | None = None  # the bot's public host, e.g. idesluss.kommun.se
    organisation: str = "idesluss"
    website: str | None = None
    privacy_url: str | None = None
    terms_url: str | None = None

    def site(self) -> str:
        return self.website or (f"https://{self.domain}/" if self.domain else "https://github.com/idesluss/idesluss")


def build_manifest(info: PackageInfo) -> dict[str, Any]:
    site = info.site().rstrip("/") + "/"
    commands = [{"title": sv, "description": sv_desc} for sv, sv_desc, _, _ in COMMANDS]
    manifest: dict[str, Any] = {
        "$schema": SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": info.version,
        "id": info.app_id,
        "developer": {"name": info.organisation[:32], "websiteUrl": site,
                      "privacyUrl": info.privacy_url or site + "privacy",
                      "termsOfUseUrl": info.terms_url or site + "terms"},
        "name": {"short": "Idéslussen", "full": "Idéslussen – skicka in och följ idéer"},
        "description": {
            "short": "Skicka in idéer och följ dem genom idéslussen.",
            "full": ("Idéslussen tar emot medarbetarnas idéer i Teams: skriv idé följt av din idé, eller spara "
                     "ett meddelande som idé. Du får ett nummer, ser liknande idéer och får besked när idén "
                     "flyttas vidare. Idécoacher bedömer och flyttar idéer direkt i korten."),
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#{:02X}{:02X}{:02X}".format(*ACCENT),
        "localizationInfo": {"defaultLanguageTag": "sv-se",
                             "additionalLanguages": [{"languageTag": "en-us", "file": "en-us.json"}]},
        "bots": [{
            "botId": info.app_id,
            "scopes": SCOPES,
            "isNotificationOnly": False,
            "supportsFiles": False,
            "commandLists": [{"scopes": SCOPES, "commands": commands}],
        }],
        "composeExtensions": [{
            "botId": info.app_id,
            "commands": [{
                "id": SAVE_AS_IDEA, "type": "action", "title": "Spara som idé",
                "description": "Spara meddelandet som en idé i idéslussen", "context": ["message"],
                "fetchTask": True,
            }],
        }],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [info.domain] if info.domain else [],
        "webApplicationInfo": {"id": info.app_id},
    }
    return manifest


def build_english(manifest: dict[str, Any]) -> dict[str, Any]:
    english: dict[str, Any] = {
        "$schema": LOCALIZATION_SCHEMA,
        "name.short": "Idea sluice",
        "name.full": "Idea sluice – submit and follow ideas",
        "description.short": "Submit ideas and follow them through the idea sluice.",
        "description.full": ("The idea sluice takes employees' ideas in Teams: write idea followed by your idea, or "
                             "save a message as an idea. You get a number, see similar ideas and hear when the idea "
                             "moves on. Idea coaches review and move ideas right in the cards."),
        "composeExtensions[0].commands[0].title": "Save as idea",
        "composeExtensions[0].commands[0].description": "Save the message as an idea in the idea sluice",
    }
    for n, (_, _, title, description) in enumerate(COMMANDS):
        english[f"bots[0].commandLists[0].commands[{n}].title"] = title
        english[f"bots[0].commandLists[0].commands[{n}].description"] = description
    return english


def _icon(name: str, fallback: bytes) -> bytes:
    """The shipped icon from assets/ when present (an operator may replace it), else the drawn one."""
    shipped = resources.files("bot.teams").joinpath("assets", name)
    return shipped.read_bytes() if shipped.is_file() else fallback


def build_package(info: PackageInfo) -> bytes:
    manifest = build_manifest(info)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
        archive.writestr("en-us.json", json.dumps(build_english(manifest), ensure_ascii=False, indent=2))
        archive.writestr("color.png", _icon("color.png", color_icon()))
        archive.writestr("outline.png", _icon("outline.png", outline_icon()))
    return buffer.getvalue()


def write_package(info: PackageInfo, out: Path) -> Path:
    out.write_bytes(build_package(info))
    return out
