"""The default workflow's stages: codes (stable, in exports) and their names in Swedish and English."""

from __future__ import annotations

from dataclasses import dataclass

from storage.text import nfc


@dataclass(frozen=True, slots=True)
class Stage:
    code: str
    sv: str
    en: str
    aliases: tuple[str, ...] = ()

    def label(self, lang: str) -> str:
        return self.en if lang == "en" else self.sv


STAGES: tuple[Stage, ...] = (
    Stage("new", "Inkommen", "New", ("ny", "inkommet")),
    Stage("needs_info", "Komplettering begärd", "More information requested",
          ("komplettering", "komplettera", "needs info", "more info", "info")),
    Stage("in_review", "Bedömning", "In review", ("bedöms", "granskning", "review")),
    Stage("pilot", "Test/pilot", "Pilot", ("test", "testas", "pilot")),
    Stage("implemented", "Införd", "Implemented", ("införs", "genomförd", "done")),
    Stage("spread", "Spridd", "Spread", ("spridning",)),
    Stage("parked", "Vilande", "Parked", ("vila", "parkerad")),
    Stage("referred", "Hänvisad", "Referred", ("hänvisa", "vidarebefordrad")),
    Stage("declined", "Avslutad – ej aktuell", "Declined", ("avslutad", "ej aktuell", "avslagen", "nej", "avböjd")),
)

BY_CODE = {s.code: s for s in STAGES}
# Stages a coach can move an idea to with a button (declining needs a reason, so it goes by command).
BUTTON_STAGES = ("in_review", "needs_info", "pilot", "implemented", "spread", "parked", "referred")
# Stages offered in a coach's status choice: declining asks for the reason in a form.
CHOOSABLE_STAGES = (*BUTTON_STAGES, "declined")
# Decided stages (for the figures): the idea's question is answered one way or another.
DECIDED_STAGES = ("implemented", "spread", "referred", "declined")
IMPLEMENTED_STAGES = ("implemented", "spread")


def _key(text: str) -> str:
    text = nfc(text).casefold().strip()
    text = text.replace("–", "-").replace("—", "-").replace("_", " ")
    return " ".join(text.split())


_NAMES: dict[str, str] = {}
for _s in STAGES:
    for _name in (_s.code, _s.sv, _s.en, *_s.aliases):
        _NAMES[_key(_name)] = _s.code
_NAMES[_key("Avslutad - ej aktuell")] = "declined"
_NAMES[_key("test pilot")] = "pilot"
_MAX_WORDS = max(len(name.split()) for name in _NAMES)


def stage_label(code: str, lang: str) -> str:
    stage = BY_CODE.get(code)
    return stage.label(lang) if stage else code


def match_stage(words: list[str]) -> tuple[str, int] | None:
    """The stage named by the first words (longest name wins) and how many words it took."""
    for n in range(min(_MAX_WORDS, len(words)), 0, -1):
        code = _NAMES.get(_key(" ".join(words[:n])))
        if code:
            return code, n
    return None
