"""The console's colours in 16-colour terminals and without colour (NO_COLOR).

Three things, all installed by the App (``WhodidthisApp.get_line_filters`` and its ANSI theme):

* ``ANSI_THEME``: what the 16 ANSI colour names look like in a true-colour terminal. Textual's
  default (Monokai) paints red and magenta the same pink, so a FAILED state looked like every
  healthy principal; here each name keeps its hue, bright enough on a dark background, and each
  lands on its own name again when a 16-colour terminal (``TERM=xterm``) rounds it.
* :class:`SixteenColours`: rounds every colour to the 16 of a ``TERM=xterm`` terminal, as Rich
  does on output there; installed when ``colours=16`` is injected (screenshots and tests), so a
  picture shows what that terminal shows. A real terminal needs none: Rich rounds on output.
* :class:`LegibleMonochrome`: Textual's NO_COLOR filter turns each colour into the grey of its
  luminance, which made bold red text grey 237 on grey 235. This one keeps text light on dark
  and backgrounds dark (or light where they were light), so bold, reverse and the symbols carry
  the meaning and stay legible.
"""

from __future__ import annotations

from functools import lru_cache

from rich.color import Color as RichColor
from rich.color import ColorSystem
from rich.segment import Segment
from rich.style import Style
from rich.terminal_theme import TerminalTheme
from textual.color import Color
from textual.filter import LineFilter

ANSI_THEME = TerminalTheme(
    (24, 24, 24),
    (220, 220, 220),
    [
        (0, 0, 0),  # black
        (224, 64, 64),  # red: FAILED
        (80, 200, 80),  # green: READY
        (215, 175, 40),  # yellow: CANCELLED, warnings
        (90, 130, 240),  # blue: TORN_DOWN
        (200, 90, 200),  # magenta: TEARING_DOWN
        (60, 190, 200),  # cyan: ASSUMING, RUNNING
        (200, 200, 200),  # white
    ],
    [
        (128, 128, 128),  # bright black: PENDING, quiet words (legible, not dim grey on grey)
        (255, 95, 95),
        (95, 255, 95),
        (255, 255, 95),
        (95, 135, 255),
        (255, 95, 255),
        (95, 255, 255),
        (255, 255, 255),
    ],
)

TEXT_FLOOR = 176  # NO_COLOR: the darkest grey a text may be
BACKGROUND_CEILING = 64  # NO_COLOR: the lightest grey a dark background may be


@lru_cache(maxsize=4096)
def _sixteen(color: RichColor) -> RichColor:
    if color.is_default or color.system == ColorSystem.STANDARD:
        return color
    triplet = color.downgrade(ColorSystem.STANDARD).get_truecolor(ANSI_THEME)
    return RichColor.from_triplet(triplet)


@lru_cache(maxsize=4096)
def _sixteen_style(style: Style) -> Style:
    color = None if style.color is None else _sixteen(style.color)
    background = None if style.bgcolor is None else _sixteen(style.bgcolor)
    return style + Style.from_color(color, background)


class SixteenColours(LineFilter):
    """Every colour rounded to the nearest of the 16 ANSI colours, shown as ``ANSI_THEME``."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        return [Segment(text, _sixteen_style(style), None) for text, style, _ in segments]


def _grey(value: int) -> RichColor:
    return RichColor.from_rgb(value, value, value)


@lru_cache(maxsize=4096)
def _legible_style(style: Style) -> Style:
    """Greys that keep text readable: text light, dark backgrounds dark, light ones light."""
    color = background = None
    light_background = False
    if style.bgcolor is not None and not style.bgcolor.is_default:
        luminance = Color.from_rich_color(style.bgcolor).monochrome.r
        light_background = luminance >= 128
        background = _grey(luminance if light_background else min(BACKGROUND_CEILING, luminance))
    if style.color is not None and not style.color.is_default:
        luminance = Color.from_rich_color(style.color).monochrome.r
        color = _grey(min(luminance, 48) if light_background else max(TEXT_FLOOR, luminance))
    return style + Style.from_color(color, background)


class LegibleMonochrome(LineFilter):
    """NO_COLOR: greys only, and every text legible (replaces Textual's ``Monochrome``)."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        return [Segment(text, _legible_style(style), None) for text, style, _ in segments]
