"""The administrator's side: an uploadable app package, and Teams ideas in the JSON export."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

from .conftest import TeamsBotUnderTest, personal_message
from .standins import APP_ID


def _cli(args: list[str], database_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "IDESLUSS_DATABASE_URL": database_url, "TEAMS_APP_ID": APP_ID,
           "IDESLUSS_ORGANISATION": "testkommun", "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], capture_output=True, text=True, env=env,
                          timeout=60)


def _png(data: bytes) -> tuple[int, int, list[tuple[int, ...]]]:
    """Width, height and RGBA pixels of the (unfiltered, 8-bit RGBA) PNGs the package contains."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, depth, color_type = struct.unpack(">IIBB", data[16:26])
    assert (depth, color_type) == (8, 6)
    idat, pos = b"", 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + length]
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = 1 + 4 * width
    pixels = [tuple(raw[y * stride + 1 + 4 * x:y * stride + 5 + 4 * x]) for y in range(height) for x in range(width)]
    return width, height, pixels


def test_teams_package_has_a_valid_manifest_and_both_icons(tmp_path: Path, database_url: str) -> None:
    out = tmp_path / "idesluss.zip"
    result = _cli(["teams", "package", "--out", str(out), "--domain", "idesluss.kommun.example"], database_url)
    assert result.returncode == 0, result.stderr

    with zipfile.ZipFile(out) as archive:
        assert set(archive.namelist()) == {"manifest.json", "en-us.json", "color.png", "outline.png"}
        manifest = json.loads(archive.read("manifest.json"))
        english = json.loads(archive.read("en-us.json"))
        color, outline = archive.read("color.png"), archive.read("outline.png")

    assert manifest["$schema"].startswith("https://developer.microsoft.com/en-us/json-schemas/teams/v1.")
    assert tuple(int(p) for p in manifest["manifestVersion"].split(".")) >= (1, 17)
    for key in ("version", "id", "developer", "name", "description", "icons", "accentColor", "bots",
                "composeExtensions", "validDomains"):
        assert manifest[key], key
    assert manifest["id"] == APP_ID
    assert len(manifest["name"]["short"]) <= 30 and len(manifest["description"]["short"]) <= 80
    [bot] = manifest["bots"]
    assert bot["botId"] == APP_ID and set(bot["scopes"]) == {"personal", "team", "groupChat"}
    titles = [c["title"] for c in bot["commandLists"][0]["commands"]]
    assert "idé" in titles and all(len(t) <= 32 for t in titles)
    english_titles = [v for k, v in english.items() if k.startswith("bots[0].commandLists[0]") and k.endswith("title")]
    assert "idea" in english_titles and all(len(t) <= 32 for t in english_titles)
    [command] = manifest["composeExtensions"][0]["commands"]
    assert (command["type"], command["context"], command["fetchTask"], command["title"]) == (
        "action", ["message"], True, "Spara som idé")
    assert manifest["validDomains"] == ["idesluss.kommun.example"]
    assert manifest["localizationInfo"]["additionalLanguages"][0]["file"] == "en-us.json"

    width, height, pixels = _png(color)
    assert (width, height) == (192, 192)
    assert all(p[3] == 255 for p in pixels)  # full colour, opaque
    width, height, pixels = _png(outline)
    assert (width, height) == (32, 32)
    assert {p for p in pixels if p[3] != 0} == {(255, 255, 255, 255)}  # white on transparent
    assert any(p[3] == 0 for p in pixels)


def test_package_needs_the_app_id(tmp_path: Path, database_url: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEAMS_")}
    result = subprocess.run([sys.executable, "-m", "bot.cli", "teams", "package", "--out", str(tmp_path / "x.zip")],
                            capture_output=True, text=True, env={**env, "IDESLUSS_DATABASE_URL": database_url},
                            timeout=60, cwd=tmp_path)
    assert result.returncode == 2
    assert "TEAMS_APP_ID" in result.stderr


def test_json_export_lists_teams_ideas_with_source_and_author(teams_bot: TeamsBotUnderTest,
                                                             database_url: str) -> None:
    user = "7faf8ab2-3d56-4244-b585-20c8a42ed2b8"
    teams_bot.post(personal_message(teams_bot.stand_in.service_url, "idé Digital anslagstavla", user=user))

    result = _cli(["ideas", "export", "--format", "json"], database_url)

    assert result.returncode == 0, result.stderr
    [idea] = json.loads(result.stdout)
    assert (idea["source"], idea["author"], idea["title"]) == ("teams", f"teams:{user}", "Digital anslagstavla")
