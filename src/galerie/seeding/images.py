"""Product pictures for the demo marketplace, drawn with Pillow: book covers and record
sleeves with their title, devices and crafts as clean silhouettes on a studio background,
in each storefront's colours. No file is downloaded; the same product gives the same picture."""

from __future__ import annotations

import functools
import hashlib
import io
import random
import textwrap
import unicodedata
from collections.abc import Callable

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from galerie.catalog.models import Product

SIZE = 640
# Muted cover colours that sit well next to each other on a shelf.
COVER_COLOURS = [
    "#6b2737", "#1f4e5f", "#35524a", "#8c5e3c", "#3d3b6e", "#a23e48", "#2e4057", "#7a6c5d",
    "#b5651d", "#4a6c6f", "#5c374c", "#234e70",
]  # fmt: skip
FINISHES = ["#2b2d31", "#e9e6df", "#9aa5b1", "#c9b79c", "#3f5e5a", "#b0413e"]


def _hex(colour: str) -> tuple[int, int, int]:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return red, green, blue


def _mix(a: str, b: str, t: float) -> tuple[int, int, int]:
    ca, cb = _hex(a), _hex(b)
    red, green, blue = (round(x + (y - x) * t) for x, y in zip(ca, cb, strict=True))
    return red, green, blue


@functools.cache
def _font(size: int, serif: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu when the system has it (Pillow finds it in the usual font directories); else
    Pillow's own font, which has no accents (``_plain`` then drops them)."""
    try:
        return ImageFont.truetype("DejaVuSerif.ttf" if serif else "DejaVuSans.ttf", size)
    except OSError:
        return ImageFont.load_default(size=size)


def _plain(text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont) -> str:
    if "DejaVu" in str(getattr(font, "path", None) or ""):
        return text
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _studio(theme: dict[str, str]) -> Image.Image:
    """A soft vertical gradient from the storefront's background towards its accent."""
    top, bottom = (
        _mix(theme["colour_background"], "#ffffff", 0.5),
        _mix(theme["colour_background"], "#d8d4cc", 0.6),
    )
    gradient = Image.linear_gradient("L").resize((SIZE, SIZE))
    return Image.composite(
        Image.new("RGB", (SIZE, SIZE), bottom), Image.new("RGB", (SIZE, SIZE), top), gradient
    )


def _shadow(canvas: Image.Image, box: tuple[int, int, int, int], radius: int = 18) -> None:
    shade = Image.new("L", canvas.size, 0)
    x0, y0, x1, y1 = box
    ImageDraw.Draw(shade).rounded_rectangle((x0 + 10, y0 + 16, x1 + 10, y1 + 16), radius=radius, fill=110)
    canvas.paste((40, 36, 30), mask=shade.filter(ImageFilter.GaussianBlur(16)))


def _text(
    draw: ImageDraw.ImageDraw, xy: tuple[int, int], text: str, size: int, fill, serif: bool = False
) -> None:
    font = _font(size, serif)
    draw.text(xy, _plain(text, font), font=font, fill=fill)


def _text_block(draw: ImageDraw.ImageDraw, text: str, box: tuple[int, int, int], size: int, fill) -> int:
    """Write wrapped text from (x, y) within width; return the y below it."""
    x, y, width = box
    per_line = max(8, int(width / (size * 0.55)))
    for line in textwrap.wrap(text, per_line)[:4]:
        _text(draw, (x, y), line, size, fill, serif=True)
        y += int(size * 1.25)
    return y


def _cover(product: Product, theme: dict[str, str], rng: random.Random) -> Image.Image:
    canvas = _studio(theme)
    colour = rng.choice(COVER_COLOURS)
    square = product.product_type.code in ("musique", "jeu")
    w, h = (440, 440) if square else (380, 540)
    x0, y0 = (SIZE - w) // 2, (SIZE - h) // 2 - 6
    box = (x0, y0, x0 + w, y0 + h)
    _shadow(canvas, box, radius=6)
    draw = ImageDraw.Draw(canvas)
    draw.rounded_rectangle(box, radius=6 if square else 4, fill=colour)
    light = _mix(colour, "#ffffff", 0.85)
    if product.product_type.code == "musique":
        cx, cy = x0 + w * 0.68, y0 + h * 0.62
        for r, shade in ((150, 0.25), (120, 0.15), (46, 0.5), (10, 0.9)):
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=_mix(colour, "#000000", shade))
    else:
        band = y0 + int(h * 0.62)
        draw.rectangle((x0, band, x0 + w, band + 6), fill=_mix(colour, theme["colour_accent"], 0.7))
        if not square:
            draw.rectangle((x0, y0, x0 + 14, y0 + h), fill=_mix(colour, "#000000", 0.25))
    title = product.title.split(" — ")[0]
    _text_block(draw, title, (x0 + 36, y0 + 40, w - 72), 40 if len(title) < 28 else 32, light)
    byline = str(
        product.attributes.get("author")
        or product.attributes.get("artist")
        or product.attributes.get("director")
        or product.brand
        or ""
    )
    _text(draw, (x0 + 36, y0 + h - 64), byline.upper(), 20, _mix(colour, "#ffffff", 0.65))
    return canvas


def _device(product: Product, theme: dict[str, str], rng: random.Random) -> Image.Image:
    canvas = _studio(theme)
    draw = ImageDraw.Draw(canvas)
    finish = rng.choice(FINISHES)
    body, edge = _hex(finish), _mix(finish, "#000000", 0.35)
    screen = _mix(theme["colour_primary"], "#0b0f19", 0.55)
    glow = _mix(theme["colour_primary"], "#ffffff", 0.35)
    code = product.product_type.code
    c = SIZE // 2
    if code in ("portable", "ecran", "televiseur"):
        w, h = {"portable": (420, 270), "ecran": (460, 280), "televiseur": (500, 290)}[code]
        x0, y0 = c - w // 2, c - h // 2 - 40
        _shadow(canvas, (x0, y0, x0 + w, y0 + h + 40), radius=14)
        draw.rounded_rectangle((x0, y0, x0 + w, y0 + h), radius=14, fill=edge)
        draw.rounded_rectangle((x0 + 12, y0 + 12, x0 + w - 12, y0 + h - 12), radius=6, fill=screen)
        reflection = [
            (x0 + 12, y0 + h - 12),
            (x0 + w * 0.55, y0 + 12),
            (x0 + w - 12, y0 + 12),
            (x0 + w - 12, y0 + h * 0.35),
        ]
        draw.polygon(reflection, fill=_mix(theme["colour_primary"], "#0b0f19", 0.4))
        draw.ellipse((c - 50, y0 + h // 2 - 50, c + 50, y0 + h // 2 + 50), outline=glow, width=6)
        if code == "portable":
            draw.rounded_rectangle((x0 - 40, y0 + h, x0 + w + 40, y0 + h + 22), radius=10, fill=body)
        else:
            draw.rectangle((c - 14, y0 + h, c + 14, y0 + h + 50), fill=edge)
            draw.rounded_rectangle((c - 90, y0 + h + 50, c + 90, y0 + h + 62), radius=6, fill=edge)
    elif code == "smartphone":
        w, h = 230, 460
        x0, y0 = c - w // 2, c - h // 2
        _shadow(canvas, (x0, y0, x0 + w, y0 + h), radius=36)
        draw.rounded_rectangle((x0, y0, x0 + w, y0 + h), radius=36, fill=body, outline=edge, width=6)
        draw.rounded_rectangle((x0 + 14, y0 + 14, x0 + w - 14, y0 + h - 14), radius=26, fill=screen)
        draw.rounded_rectangle((c - 34, y0 + 26, c + 34, y0 + 40), radius=7, fill=edge)
        for i in range(3):
            draw.rounded_rectangle((x0 + 40, y0 + 120 + i * 90, x0 + w - 40, y0 + 180 + i * 90), radius=12,
                                   fill=_mix(theme["colour_primary"], "#ffffff", 0.15 + i * 0.1))  # fmt: skip
    elif code == "audio":
        _shadow(canvas, (c - 170, c - 60, c + 170, c + 170), radius=60)
        draw.arc((c - 170, c - 210, c + 170, c + 130), start=180, end=360, fill=edge, width=34)
        for side in (-1, 1):
            x = c + side * 170
            draw.rounded_rectangle(
                (x - 55, c - 40, x + 55, c + 150), radius=50, fill=body, outline=edge, width=8
            )
            draw.ellipse((x - 28, c + 20, x + 28, c + 76), fill=_mix(finish, theme["colour_accent"], 0.35))
    elif code == "gros-electro":
        w, h = 360, 470
        x0, y0 = c - w // 2, c - h // 2
        _shadow(canvas, (x0, y0, x0 + w, y0 + h), radius=18)
        draw.rounded_rectangle(
            (x0, y0, x0 + w, y0 + h), radius=18, fill="#f4f4f2", outline="#c9c9c4", width=4
        )
        if "Lave" in product.title:
            draw.rectangle((x0, y0, x0 + w, y0 + 70), fill="#e4e4e0")
            draw.ellipse((x0 + w - 110, y0 + 18, x0 + w - 76, y0 + 52), fill=edge)
            draw.ellipse((c - 130, y0 + 120, c + 130, y0 + 380), fill="#d9dde2", outline=edge, width=14)
            draw.ellipse((c - 90, y0 + 160, c + 90, y0 + 340), fill=screen)
        else:
            draw.line((x0, y0 + h * 0.4, x0 + w, y0 + h * 0.4), fill="#c9c9c4", width=6)
            for y in (y0 + 40, y0 + h * 0.4 + 40):
                draw.rounded_rectangle((x0 + w - 46, y, x0 + w - 30, y + 120), radius=6, fill=edge)
    else:  # small appliances
        _shadow(canvas, (c - 120, c - 150, c + 120, c + 190), radius=40)
        draw.rounded_rectangle(
            (c - 120, c - 150, c + 120, c + 170), radius=44, fill=body, outline=edge, width=6
        )
        draw.rounded_rectangle((c - 150, c + 150, c + 150, c + 196), radius=14, fill=edge)
        draw.ellipse((c - 40, c - 40, c + 40, c + 40), fill=glow)
    if product.brand:
        _text(draw, (36, SIZE - 56), product.brand.name, 24, _mix(theme["colour_text"], "#ffffff", 0.35))
    return canvas


def _craft(product: Product, theme: dict[str, str], rng: random.Random) -> Image.Image:
    canvas = _studio(theme)
    draw = ImageDraw.Draw(canvas)
    tone = _mix(
        rng.choice(["#c9a27e", "#9fb59b", "#d9825b", "#7d8fa3", "#e8d8c0", "#b76e79"]), "#ffffff", 0.1
    )
    dark = _mix("#{:02x}{:02x}{:02x}".format(*tone), "#000000", 0.3)
    slug = product.category.slug
    c = SIZE // 2
    draw.ellipse((c - 210, c + 150, c + 210, c + 200), fill=_mix(theme["colour_background"], "#000000", 0.12))
    title = product.title.lower()
    if slug == "ceramics" and ("bowl" in title or "platter" in title):
        flat = "platter" in title
        top = c + 60 if flat else c - 40
        draw.chord((c - 200, top - 150, c + 200, c + 170), start=0, end=180, fill=tone)
        draw.ellipse((c - 200, top - 40, c + 200, top + 40), fill=dark)
    elif slug == "ceramics" and "vase" in title:
        draw.ellipse((c - 130, c - 40, c + 130, c + 170), fill=tone)
        draw.rounded_rectangle((c - 50, c - 200, c + 50, c), radius=30, fill=tone)
        draw.ellipse((c - 60, c - 215, c + 60, c - 185), fill=dark)
    elif slug == "ceramics":
        draw.rounded_rectangle((c - 120, c - 120, c + 120, c + 170), radius=40, fill=tone)
        draw.ellipse((c - 120, c - 150, c + 120, c - 90), fill=dark)
        draw.arc((c + 80, c - 60, c + 190, c + 90), start=-90, end=90, fill=tone, width=28)
        for _ in range(60):
            x, y = rng.randint(c - 110, c + 110), rng.randint(c - 80, c + 160)
            draw.ellipse((x, y, x + 4, y + 4), fill=dark)
    elif slug == "candles":
        draw.rounded_rectangle(
            (c - 110, c - 90, c + 110, c + 170), radius=24, fill=_mix("#b5651d", "#000000", 0.1)
        )
        draw.rectangle((c - 110, c - 20, c + 110, c + 60), fill="#f1e6d2")
        draw.line((c, c - 90, c, c - 130), fill="#3b2f2f", width=6)
        draw.ellipse((c - 22, c - 200, c + 22, c - 124), fill="#f6b93b")
        draw.ellipse((c - 10, c - 168, c + 10, c - 130), fill="#fff3c4")
    elif slug == "textiles":
        for i in range(4):
            y = c - 140 + i * 70
            fold = _mix("#{:02x}{:02x}{:02x}".format(*tone), "#ffffff", i * 0.12)
            draw.rounded_rectangle(
                (c - 200 + i * 10, y, c + 200 - i * 10, y + 90), radius=14, fill=fold, outline=dark, width=2
            )
            for x in range(c - 180, c + 180, 24):
                draw.line(
                    (x, y + 8, x, y + 82),
                    fill=_mix("#{:02x}{:02x}{:02x}".format(*tone), "#000000", 0.08),
                    width=2,
                )
    elif slug == "earrings-necklaces":
        gold = "#c9a227" if "gold" in product.title.lower() or "brass" in product.title.lower() else "#b8bcc2"
        draw.arc((c - 200, c - 260, c + 200, c + 120), start=20, end=160, fill=gold, width=6)
        draw.ellipse((c - 32, c + 90, c + 32, c + 154), outline=gold, width=12)
        for side in (-1, 1):
            x = c + side * 150
            draw.ellipse((x - 50, c - 60, x + 50, c + 40), outline=gold, width=10)
    elif slug == "prints":
        draw.rectangle((c - 170, c - 220, c + 170, c + 200), fill="#2b2b2b")
        draw.rectangle((c - 150, c - 200, c + 150, c + 180), fill="#fbf8f2")
        for _ in range(5):
            r = rng.randint(30, 90)
            x, y = rng.randint(c - 120, c + 120), rng.randint(c - 160, c + 130)
            colour = rng.choice([tone, _hex(theme["colour_accent"]), _hex(theme["colour_primary"])])
            draw.ellipse((max(c - 150, x - r), max(c - 200, y - r), min(c + 150, x + r), min(c + 180, y + r)),
                         fill=colour)  # fmt: skip
    else:  # notebooks and other stationery
        draw.rounded_rectangle(
            (c - 150, c - 200, c + 150, c + 190), radius=12, fill=tone, outline=dark, width=3
        )
        draw.rectangle((c + 90, c - 200, c + 110, c + 190), fill=dark)
        draw.rounded_rectangle((c - 100, c - 120, c + 40, c - 60), radius=6, fill="#fbf8f2")
    return canvas


_PAINTERS: dict[str, Callable[[Product, dict[str, str], random.Random], Image.Image]] = {
    **dict.fromkeys(("livre", "musique", "film", "jeu"), _cover),
    **dict.fromkeys(("craft", "jewellery", "print", "stationery"), _craft),
}


def product_picture(product: Product, theme: dict[str, str], *, seed: int) -> bytes:
    """Return a JPEG picture of ``product``, the same for the same product and seed."""
    key = hashlib.sha256(f"{seed}:{product.slug}".encode()).digest()
    rng = random.Random(int.from_bytes(key[:8], "big"))
    painter = _PAINTERS.get(product.product_type.code, _device)
    picture = painter(product, theme, rng)
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=86, optimize=True)
    return out.getvalue()
