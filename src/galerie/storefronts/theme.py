"""A storefront theme's accessible colours, derived from its four chosen ones.

A storefront picks a primary, an accent, a background and a text colour; nothing stops it from
choosing a gold on which white text is unreadable (2.66:1). The stylesheet therefore never puts
a fixed colour on a theme colour: it uses the variables computed here, each of which has a
contrast of at least 4.5:1 (WCAG 2.1 AA for body text) with what it sits on (docs/theme-contrast.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

AA = 4.5
WHITE, INK = "#ffffff", "#000000"  # with black, one of the two always reaches 4.58:1


def _rgb(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _hex(rgb: Iterable[float]) -> str:
    return "#" + "".join(f"{max(0, min(255, round(c))):02x}" for c in rgb)


def mix(a: str, b: str, share_of_a: float) -> str:
    """``a`` and ``b`` mixed in sRGB, like CSS ``color-mix(in srgb, a p%, b)``."""
    ra, rb = _rgb(a), _rgb(b)
    return _hex(tuple(x * share_of_a + y * (1 - share_of_a) for x, y in zip(ra, rb, strict=True)))


def luminance(colour: str) -> float:
    """Relative luminance (WCAG 2.1)."""

    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """The WCAG contrast ratio of two colours, from 1 to 21."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_on(background: str, preferred: str = WHITE) -> str:
    """``preferred`` if it reads on ``background`` (≥ 4.5:1), else whichever of white and ink reads better."""
    if contrast(preferred, background) >= AA:
        return preferred
    return max((WHITE, INK), key=lambda c: contrast(c, background))


def ink(colour: str, *grounds: str, towards: str = INK) -> str:
    """``colour`` darkened (mixed with ``towards``) just enough to read on every one of ``grounds``."""
    for step in range(0, 101, 2):
        candidate = mix(colour, towards, 1 - step / 100)
        if all(contrast(candidate, ground) >= AA for ground in grounds):
            return candidate
    return towards


def theme_variables(*, primary: str, accent: str, background: str, text: str) -> dict[str, str]:
    """The CSS variables of a theme: the four chosen colours and the readable ones derived from them."""
    surface = WHITE
    primary_soft = mix(primary, surface, 0.10)
    grounds = (background, surface, primary_soft)
    text = ink(text, *grounds)
    return {
        "--c-primary": primary,
        "--c-accent": accent,
        "--c-bg": background,
        "--c-text": text,
        # Text on a theme colour: white when it reads, else the darker of the two.
        "--c-on-primary": text_on(primary),
        "--c-on-accent": text_on(accent),
        # The theme colour as text (links, prices) on the page's light grounds.
        "--c-primary-ink": ink(primary, *grounds),
        # Secondary text (table headers, hints): as soft as it can be while still reading.
        "--c-muted": _muted(text, background, grounds),
    }


def _muted(text: str, background: str, grounds: tuple[str, ...]) -> str:
    """The text colour mixed with the background, as light as it can be while reading on ``grounds``."""
    for share in range(60, 101, 4):
        candidate = mix(text, background, share / 100)
        if all(contrast(candidate, ground) >= AA for ground in grounds):
            return candidate
    return text


@lru_cache(maxsize=256)
def _theme_css(primary: str, accent: str, background: str, text: str) -> str:
    variables = theme_variables(primary=primary, accent=accent, background=background, text=text)
    return "".join(f"{name}:{value};" for name, value in variables.items())


def theme_css(*, primary: str, accent: str, background: str, text: str) -> str:
    """The theme's variables as the body of a CSS rule (derived once per set of colours: every page
    renders it)."""
    return _theme_css(primary, accent, background, text)
