"""Terminal text for a `Reply`: the plain text, and its buttons numbered so that `:N` can press them."""

from __future__ import annotations

from bot.core.i18n import t
from bot.core.replies import Reply, ReplyKind
from bot.shell import text as _text  # noqa: F401 - registers the shell's words


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
    if console and is_core_help(reply):
        text += "\n\n" + t(reply.locale, "shell.help.title") + "\n" + t(reply.locale, "shell.help.text")
    return text


def is_core_help(reply: Reply) -> bool:
    """`/idé hjälp`: the shell adds its own verbs below the core's help (the core stays platform-neutral)."""
    return reply.kind == ReplyKind.HELP and reply.title == t(reply.locale, "help.title")


def shell_help(lang: str) -> Reply:
    return Reply(ReplyKind.HELP, t(lang, "shell.help.text"), title=t(lang, "shell.help.title"), locale=lang)
