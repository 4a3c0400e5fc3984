"""The figures' charts as one PNG for Slack, which has no chart blocks.

Why a picture and not only the text table: the trend over weeks is what a coach or manager looks for, and a
column of thirteen numbers does not show it. Drawing text needs a font renderer, so this uses Pillow (its
bundled FreeType font has å, ä and ö) rather than a hand-written PNG encoder. The same figures are always in
the message's text as well.
"""

from __future__ import annotations

import io
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from bot.core.replies import Chart

WIDTH, PANEL, MARGIN = 900, 300, 40
COLOURS = ("#1d5c4d", "#3f8f7a", "#8cc0a8", "#d9a441", "#c0504d", "#6b7fa8", "#a0a0a0", "#5a4e8c", "#2f2f2f")
INK, GRID = "#222222", "#dddddd"


# Pillow's bundled font lacks å, ä, ö and é; these common TrueType fonts have them (Debian: fonts-dejavu-core).
FONTS = ("DejaVuSans.ttf", "LiberationSans-Regular.ttf", "NotoSans-Regular.ttf", "Arial.ttf")
SWEDISH = "åäöÅÄÖé"


@lru_cache(maxsize=16)
def _font(size: int, chosen: str | None = None) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """`chosen` (IDESLUSS_CHART_FONT, a .ttf path) if set, else the first common font found that draws å, ä, ö."""
    wanted = [chosen or "", *FONTS]
    for name in filter(None, wanted):
        try:
            font = ImageFont.truetype(name, size)
        except OSError:
            continue
        if _draws(font):
            return font
    return ImageFont.load_default(size=size)


def _draws(font: ImageFont.FreeTypeFont) -> bool:
    """A font without a glyph draws the same "missing" box for every such letter: compare the pixels."""

    def pixels(text: str) -> bytes:
        image = Image.new("L", (48, 48))
        ImageDraw.Draw(image).text((4, 4), text, font=font, fill=255)
        return image.tobytes()

    missing = pixels("\uffff")
    return all(pixels(letter) != missing for letter in SWEDISH)


def _bars(draw: ImageDraw.ImageDraw, chart: Chart, top: int, line: bool, font: str | None) -> None:
    small, left, right = _font(13, font), MARGIN + 30, WIDTH - MARGIN
    bottom = top + PANEL - 60
    highest = max([p.value for p in chart.points] + [1])
    draw.text((MARGIN, top), chart.title, fill=INK, font=_font(18, font))
    for fraction in (0, 0.5, 1):
        y = bottom - (bottom - top - 40) * fraction
        draw.line((left, y, right, y), fill=GRID)
        draw.text((MARGIN - 10, y - 8), f"{highest * fraction:g}", fill=INK, font=small)
    step = (right - left) / max(1, len(chart.points))
    previous: tuple[float, float] | None = None
    for n, point in enumerate(chart.points):
        x = left + step * n + step / 2
        y = bottom - (bottom - top - 40) * (point.value / highest)
        if line:
            if previous is not None:
                draw.line((*previous, x, y), fill=COLOURS[0], width=3)
            draw.ellipse((x - 4, y - 4, x + 4, y + 4), fill=COLOURS[0])
            previous = (x, y)
        else:
            draw.rectangle((x - step * 0.35, y, x + step * 0.35, bottom), fill=COLOURS[0])
        if len(chart.points) <= 16 or n % 2 == 0:
            width = draw.textlength(point.label, font=small)
            draw.text((x - width / 2, bottom + 6), point.label, fill=INK, font=small)


def _donut(draw: ImageDraw.ImageDraw, chart: Chart, top: int, font: str | None) -> None:
    draw.text((MARGIN, top), chart.title, fill=INK, font=_font(18, font))
    total = sum(p.value for p in chart.points) or 1
    box = (MARGIN, top + 40, MARGIN + 220, top + 260)
    angle = -90.0
    for n, point in enumerate(chart.points):
        sweep = 360 * point.value / total
        draw.pieslice(box, angle, angle + sweep, fill=COLOURS[n % len(COLOURS)])
        angle += sweep
        draw.rectangle((320, top + 50 + 26 * n, 336, top + 66 + 26 * n), fill=COLOURS[n % len(COLOURS)])
        draw.text((346, top + 48 + 26 * n), f"{point.label}: {point.value:.0f}", fill=INK, font=_font(15, font))
    draw.ellipse((MARGIN + 70, top + 110, MARGIN + 150, top + 190), fill="white")


def chart_png(charts: list[Chart], font: str | None = None) -> bytes:
    """All the reply's charts, one panel each, as PNG bytes (`font`: a TrueType file, else a common one)."""
    drawn = [c for c in charts if c.points]
    image = Image.new("RGB", (WIDTH, max(1, len(drawn)) * PANEL), "white")
    draw = ImageDraw.Draw(image)
    for n, chart in enumerate(drawn):
        top = n * PANEL + 10
        if chart.kind == "donut":
            _donut(draw, chart, top, font)
        else:
            _bars(draw, chart, top, line=chart.kind == "line", font=font)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
