"""Whatever a person types, the core answers politely and never stores an empty idea (hypothesis)."""

from __future__ import annotations

import unicodedata

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core import Actor
from bot.core.grammar import make_title, parse
from bot.core.replies import ReplyKind
from storage.ideas import export_ideas

WORDS = st.sampled_from(["lista", "sök", "visa", "status", "ångra", "hjälp", "list", "search", "show", "undo",
                         "help", "#1", "12", "bedömning", "avslutad", "–", "idé", "/idé", ":", "år", "ÅÄÖ"])
messages = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(WORDS, st.text(max_size=12)), max_size=8).map(" ".join),
)


@given(messages)
def test_parse_never_fails_and_capture_always_has_text(text):
    command = parse(text)
    if command.name == "capture":
        assert command.text.strip()
    title = make_title(command.text) if command.text.strip() else ""
    assert len(title) <= 120


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=messages)
def test_random_unicode_never_crashes_and_never_stores_empty_ideas(core, db, text):
    actor = Actor(platform="shell", user_id="fuzz")
    reply = core.handle_message(actor, "/idé " + text)
    assert reply.kind != ReplyKind.ERROR or "Något gick fel" not in reply.text
    with db.session() as session:
        for row in export_ideas(session):
            assert row.text.strip() and row.title.strip()
            assert unicodedata.is_normalized("NFC", row.text)
            assert not any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in row.text)
