"""Readable theme colours: whatever four colours a storefront chooses, the
colours the stylesheet puts text in reach 4.5:1 on what they sit on."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from galerie.storefronts.theme import AA, WHITE, contrast, mix, theme_css, theme_variables

colours = st.integers(min_value=0, max_value=0xFFFFFF).map(lambda n: f"#{n:06x}")
light = st.integers(min_value=0xD0, max_value=0xFF).map(lambda n: f"#{n:02x}{n:02x}{n:02x}")


def test_contrast_matches_the_wcag_figures():
    assert round(contrast("#ffffff", "#000000"), 2) == 21.0
    assert round(contrast("#ffffff", "#c8963e"), 2) == 2.66  # the gold of the report
    assert contrast("#777777", "#777777") == 1.0


def test_text_on_the_gold_accent_is_dark_and_reads():
    theme = theme_variables(primary="#6b2737", accent="#c8963e", background="#fbf7f0", text="#2b2221")
    assert theme["--c-on-primary"] == WHITE  # white reads on the dark red: kept
    assert theme["--c-on-accent"] != WHITE
    assert contrast(theme["--c-on-accent"], "#c8963e") >= AA


@given(primary=colours, accent=colours, background=light, text=colours)
def test_every_derived_text_colour_reads_on_its_ground(primary, accent, background, text):
    theme = theme_variables(primary=primary, accent=accent, background=background, text=text)
    soft = mix(primary, WHITE, 0.10)  # --c-primary-soft: the table headers' ground
    assert contrast(theme["--c-on-primary"], primary) >= AA
    assert contrast(theme["--c-on-accent"], accent) >= AA
    for name in ("--c-primary-ink", "--c-muted", "--c-text"):
        for ground in (background, WHITE, soft):
            assert contrast(theme[name], ground) >= AA, (name, theme[name], ground)


def test_the_css_holds_every_variable():
    css = theme_css(primary="#1f3a5f", accent="#e07a2e", background="#faf8f5", text="#1d1d1f")
    for name in ("--c-primary:", "--c-on-primary:", "--c-on-accent:", "--c-primary-ink:", "--c-muted:"):
        assert name in css
