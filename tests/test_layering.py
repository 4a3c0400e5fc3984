"""The layering of ARCHITECTURE.md, read from the imports with `ast` so it stays true.

storage imports nothing of ours above it; the core imports only storage (and never a platform's library or an
HTTP client); the scheduler imports only storage, the core and the settings (its senders are handed in); only the
composition root and the CLI import adapters; adapters never import each other.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PLATFORM_LIBRARIES = ("slack_bolt", "slack_sdk", "msal", "httpx", "aiohttp", "starlette", "uvicorn", "jwt")
ADAPTERS = ("bot.slack", "bot.teams", "bot.shell", "bot.web", "bot.cli", "bot.app", "bot.platform")


def imports_of(path: Path) -> set[str]:
    """Every module a file imports, at any depth (a function-level import counts as much as a top-level one)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def package_files(package: str) -> list[Path]:
    base = ROOT.joinpath(*package.split("."))
    return sorted(base.rglob("*.py")) if base.is_dir() else [base.with_suffix(".py")]


def within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def violations(package: str, forbidden: tuple[str, ...]) -> list[str]:
    return [f"{path.relative_to(ROOT)} imports {module}" for path in package_files(package)
            for module in sorted(imports_of(path)) if within(module, forbidden)]


def test_storage_imports_nothing_of_the_bot_or_the_scheduler() -> None:
    assert violations("storage", ("bot", "scheduler")) == []


def test_the_core_imports_only_storage_and_no_platform_library() -> None:
    assert violations("bot.core", ("scheduler", *ADAPTERS, *PLATFORM_LIBRARIES)) == []


def test_the_scheduler_is_handed_its_senders_and_imports_no_platform() -> None:
    assert violations("scheduler", (*ADAPTERS, *PLATFORM_LIBRARIES)) == []


@pytest.mark.parametrize("adapter, others", [
    ("bot.slack", ("bot.teams", "bot.shell", "bot.cli", "bot.app", "bot.web")),
    ("bot.teams", ("bot.slack", "bot.shell", "bot.cli", "bot.app", "bot.web")),
    ("bot.shell", ("bot.slack", "bot.teams", "bot.cli", "bot.app", "bot.web", "scheduler")),
])
def test_adapters_never_import_each_other_nor_the_root(adapter: str, others: tuple[str, ...]) -> None:
    assert violations(adapter, others) == []


def test_the_web_package_only_mounts_what_the_runtime_built() -> None:
    assert violations("bot.web", ("bot.slack", "bot.teams", "bot.shell", "bot.cli", "scheduler")) == []


def test_the_checks_see_real_imports() -> None:
    """A guard for the guard: the reader finds imports at any depth, so the tests above cannot pass vacuously."""
    assert "bot.core.clock" in imports_of(ROOT / "bot" / "app.py")
    assert "storage.models" in imports_of(ROOT / "scheduler" / "dispatcher.py")
    assert "bot.shell" in imports_of(ROOT / "bot" / "app.py")  # imported inside build_runtime
    assert within("bot.slack.sender", ADAPTERS) and not within("bot.slackish", ("bot.slack",))
