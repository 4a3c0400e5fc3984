"""An open form in the console: the shell's modal. Its fields are asked one line at a time; the answers go
to `Core.submit_form` as they would from a Slack modal or a Teams card, and the core's errors come back.

Only the translation lives here (a line to a field value); whether a value is acceptable is the core's call.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.context import Origin
from bot.core.i18n import t
from bot.core.replies import Form, FormField

YES = frozenset({"ja", "j", "yes", "y"})
NO = frozenset({"nej", "n", "no"})
CLEAR = "-"
_SHOWN_VALUE = 40  # characters of a current value shown in the question


def _short(value: str) -> str:
    value = " ".join(value.split())
    return value if len(value) <= _SHOWN_VALUE else value[: _SHOWN_VALUE - 1] + "…"


@dataclass(slots=True)
class FormFilling:
    form: Form
    origin: Origin | None
    lang: str
    values: dict[str, object] = field(default_factory=dict)
    pending: list[FormField] = field(default_factory=list)

    @classmethod
    def open(cls, form: Form, origin: Origin | None, lang: str) -> FormFilling:
        """Every field is asked, starting from what the form already holds (the idea's details)."""
        values: dict[str, object] = {}
        for f in form.fields:
            values[f.name] = f.value == "true" if f.kind == "checkbox" else f.value
        return cls(form, origin, lang, values, list(form.fields))

    @property
    def done(self) -> bool:
        return not self.pending

    def question(self) -> str:
        """The prompt for the next field, e.g. `Rubrik (obligatoriskt): ` or `Skicka in anonymt (ja/nej) [nej]: `."""
        f = self.pending[0]
        if f.kind == "checkbox":
            current = t(self.lang, "shell.form.yes" if self.values.get(f.name) else "shell.form.no")
            return f"{f.label}{t(self.lang, 'shell.form.yes_no')} [{current}]: "
        required = t(self.lang, "shell.form.required") if f.required else ""
        value = self.values.get(f.name)
        if f.kind == "choice":  # one of the options, by number: "1 Hemtjänst · 2 Skola"
            choices = " · ".join(f"{n} {o.label}" for n, o in enumerate(f.options, start=1))
            chosen = next((o.label for o in f.options if o.value == value), None)
            current = f" [{_short(chosen)}]" if chosen else ""
            return f"{f.label}{required} ({choices}){current}: "
        current = f" [{_short(str(value))}]" if value else ""
        return f"{f.label}{required}{current}: "

    def answer(self, line: str) -> str | None:
        """Take one line for the next field. Enter keeps what the field holds (nothing, for a new one), `-`
        empties it. Returns what to say when the line cannot be a value (a checkbox that is neither yes nor no)."""
        f = self.pending[0]
        answer = line.strip()
        if f.kind == "checkbox":
            word = answer.casefold()
            if word in YES or word in NO:
                self.values[f.name] = word in YES
            elif word:
                return t(self.lang, "shell.form.bad_checkbox")
        elif answer == CLEAR:
            self.values[f.name] = None
        elif f.kind == "choice" and answer:
            number = int(answer) if answer.isdigit() else 0
            if not 1 <= number <= len(f.options):
                return t(self.lang, "shell.form.bad_choice", count=len(f.options))
            self.values[f.name] = f.options[number - 1].value
        elif answer:
            self.values[f.name] = line.rstrip("\r\n")
        self.pending.pop(0)
        return None

    def retry(self, form: Form, errors: dict[str, str]) -> str:
        """The core refused the values: ask again the fields it named, and say why (by the fields' labels)."""
        self.form = form
        self.pending = [f for f in form.fields if f.name in errors]
        lines = [t(self.lang, "shell.form.fix")]
        lines += [f"  {f.label}: {errors[f.name]}" for f in self.pending]
        return "\n".join(lines)
