"""Draw the SmartSense brand icons (custom_components/smartsense/brand/).

A thermometer and a snowflake in white on a blue rounded square, on a
transparent background. Run from the repository root:

    .venv/bin/python scripts/brand.py
"""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw

BRAND_DIR = (
    Path(__file__).resolve().parent.parent
    / "custom_components"
    / "smartsense"
    / "brand"
)
TOP_COLOUR = (38, 140, 230)
BOTTOM_COLOUR = (12, 60, 150)
WHITE = (255, 255, 255, 255)
MERCURY = (120, 210, 255, 255)
CANVAS = 1024  # drawing size; every coordinate below is on this grid
SUPERSAMPLE = 2  # drawn larger, then scaled down for smooth edges


def _background(size: int) -> Image.Image:
    """Return the rounded square filled with a top-to-bottom gradient."""
    gradient = Image.new("RGBA", (1, size))
    for y in range(size):
        t = y / (size - 1)
        colour = tuple(
            round(top + (bottom - top) * t)
            for top, bottom in zip(TOP_COLOUR, BOTTOM_COLOUR, strict=True)
        )
        gradient.putpixel((0, y), (*colour, 255))
    gradient = gradient.resize((size, size))

    mask = Image.new("L", (size, size), 0)
    margin = size * 32 // CANVAS
    ImageDraw.Draw(mask).rounded_rectangle(
        (margin, margin, size - 1 - margin, size - 1 - margin),
        radius=size * 200 // CANVAS,
        fill=255,
    )
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    image.paste(gradient, (0, 0), mask)
    return image


def _thermometer(draw: ImageDraw.ImageDraw, scale: float) -> None:
    """Draw the thermometer: a tube with ticks over a round bulb."""

    def s(value: float) -> float:
        return value * scale

    cx, top, bottom, half_width = 400, 190, 700, 70
    bulb_radius = 125
    bulb_y = 735
    # White outline: tube and bulb.
    draw.rounded_rectangle(
        (s(cx - half_width), s(top), s(cx + half_width), s(bottom)),
        radius=s(half_width),
        fill=WHITE,
    )
    draw.ellipse(
        (
            s(cx - bulb_radius),
            s(bulb_y - bulb_radius),
            s(cx + bulb_radius),
            s(bulb_y + bulb_radius),
        ),
        fill=WHITE,
    )
    # Cold "mercury" inside, low in the tube.
    inner = 32
    draw.rounded_rectangle(
        (s(cx - inner), s(470), s(cx + inner), s(bulb_y)),
        radius=s(inner),
        fill=MERCURY,
    )
    inner_bulb = bulb_radius - 38
    draw.ellipse(
        (
            s(cx - inner_bulb),
            s(bulb_y - inner_bulb),
            s(cx + inner_bulb),
            s(bulb_y + inner_bulb),
        ),
        fill=MERCURY,
    )
    # Scale ticks beside the tube.
    for index, y in enumerate(range(260, 620, 72)):
        length = 70 if index % 2 == 0 else 45
        left = cx + half_width + 30
        draw.rounded_rectangle(
            (s(left), s(y - 11), s(left + length), s(y + 11)),
            radius=s(11),
            fill=WHITE,
        )


def _snowflake(draw: ImageDraw.ImageDraw, scale: float) -> None:
    """Draw a six-armed snowflake in the upper right."""
    cx, cy, arm = 730 * scale, 300 * scale, 130 * scale
    width = round(26 * scale)
    for step in range(6):
        angle = math.radians(90 + 60 * step)
        dx, dy = math.cos(angle), -math.sin(angle)
        end = (cx + dx * arm, cy + dy * arm)
        draw.line(((cx, cy), end), fill=WHITE, width=width)
        draw.ellipse(
            (
                end[0] - width / 2,
                end[1] - width / 2,
                end[0] + width / 2,
                end[1] + width / 2,
            ),
            fill=WHITE,
        )
        # A small V on each arm, two thirds of the way out.
        base = (cx + dx * arm * 0.6, cy + dy * arm * 0.6)
        for side in (-1, 1):
            branch = angle + side * math.radians(45)
            tip = (
                base[0] + math.cos(branch) * arm * 0.38,
                base[1] - math.sin(branch) * arm * 0.38,
            )
            draw.line((base, tip), fill=WHITE, width=width)
            draw.ellipse(
                (
                    tip[0] - width / 2,
                    tip[1] - width / 2,
                    tip[0] + width / 2,
                    tip[1] + width / 2,
                ),
                fill=WHITE,
            )
    hub = width * 0.9
    draw.ellipse((cx - hub, cy - hub, cx + hub, cy + hub), fill=WHITE)


def render(size: int) -> Image.Image:
    """Return the icon as a transparent RGBA image of size x size pixels."""
    work = size * SUPERSAMPLE
    image = _background(work)
    draw = ImageDraw.Draw(image)
    scale = work / CANVAS
    _thermometer(draw, scale)
    _snowflake(draw, scale)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    """Write icon.png (256 px) and icon@2x.png (512 px)."""
    BRAND_DIR.mkdir(parents=True, exist_ok=True)
    for name, size in (("icon.png", 256), ("icon@2x.png", 512)):
        path = BRAND_DIR / name
        render(size).save(path, optimize=True)
        print(
            f"wrote {path.relative_to(BRAND_DIR.parent.parent.parent)} ({size}x{size})"
        )


if __name__ == "__main__":
    main()
