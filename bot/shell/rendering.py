"""Terminal text for a `Reply`: the plain text, and its buttons numbered so that `:N` can press them."""

from __future__ import annotations

from bot.core.i18n import t
from bot.core.replies import Button, Reply, ReplyKind, Select
from bot.shell import text as _text  # noqa: F401 - registers the shell's words

Control = Button | Select


def controls(reply: Reply) -> list[Control]:
    """What `:N` can press, in the order the shell numbers them: the buttons, then the choices (the reply's
    own, then each idea line's one-step menu, as in the coach's queue). `:N.M` picks option M of choice N."""
    found: list[Control] = [*reply.buttons, *reply.selects]
    found += [line.menu for line in reply.ideas if line.menu is not None]
    return found


def _choice(number: int, select: Select, console: bool, title: str | None = None) -> str:
    options = " · ".join(f"{f'{number}.{n} ' if console else ''}{o.label}"
                         for n, o in enumerate(select.options, start=1))
    head = f"{title} – {select.label}" if title else select.label
    return f"[:{number} {head}: {options}]" if console else f"[{head}: {options}]"


def render(reply: Reply, *, console: bool = False) -> str:
    """The reply's plain text plus its buttons. In the console (`console=True`) the buttons are numbered,
    `[:1 Visa]` (type `:1` to press it), and `/idé hjälp` lists the shell's verbs too; elsewhere (an
    operator's digest preview) nothing can be pressed: `[Visa]`."""
    text = reply.plain_text()
    if reply.kind == ReplyKind.OPEN_FORM and reply.form is not None:
        text += "\n" + "\n".join(f"  - {f.label}" for f in reply.form.fields)
    if reply.buttons:
        labels = [f":{n} {b.label}" if console else b.label for n, b in enumerate(reply.buttons, start=1)]
        text += "\n" + "  ".join(f"[{label}]" for label in labels)
    number = len(reply.buttons)
    for select in reply.selects:
        number += 1
        text += "\n" + _choice(number, select, console)
    for line in reply.ideas:
        if line.menu is not None:
            number += 1
            text += "\n" + _choice(number, line.menu, console, f"#{line.number}")
    for chart in reply.charts:  # the same figures are in the fields; a chart is a line of its points here
        text += f"\n{chart.title}: " + ", ".join(f"{p.label} {p.value:g}" for p in chart.points)
    if console and is_core_help(reply):
        text += "\n\n" + t(reply.locale, "shell.help.title") + "\n" + t(reply.locale, "shell.help.text")
    return text


def is_core_help(reply: Reply) -> bool:
    """`/idé hjälp`: the shell adds its own verbs below the core's help (the core stays platform-neutral)."""
    return reply.kind == ReplyKind.HELP and reply.title == t(reply.locale, "help.title")


def shell_help(lang: str) -> Reply:
    return Reply(ReplyKind.HELP, t(lang, "shell.help.text"), title=t(lang, "shell.help.title"), locale=lang)
