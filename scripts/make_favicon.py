"""Draw Antrian's icon, a white "A" on the navy of the pages' bars, as SVG and as ICO.

Usage: python scripts/make_favicon.py

Writes core/server/static/favicon.svg (linked by the pages) and core/server/static/favicon.ico
(16, 32 and 48 px, for clients that ask for /favicon.ico on their own). Both are committed; run
this again only to change the drawing. Pillow is already a dependency (ticket printing).
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

STATIC = Path(__file__).resolve().parents[1] / "core" / "server" / "static"
NAVY = "#0b2545"
WHITE = "#ffffff"
# On a 32-unit grid: the rounded square's corner radius, the letter's outline and its counter.
RADIUS = 6
LETTER = [(16, 4.5), (26.5, 27.5), (21.6, 27.5), (19.7, 23), (12.3, 23), (10.4, 27.5), (5.5, 27.5)]
HOLE = [(13.7, 19), (18.3, 19), (16, 13)]


def svg() -> str:
    def path(points: list[tuple[float, float]]) -> str:
        first, *rest = points
        return f"M{first[0]:g} {first[1]:g}" + "".join(f"L{x:g} {y:g}" for x, y in rest) + "Z"

    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
        f'<rect width="32" height="32" rx="{RADIUS}" fill="{NAVY}"/>'
        f'<path fill="{WHITE}" fill-rule="evenodd" d="{path(LETTER)}{path(HOLE)}"/>'
        "</svg>\n"
    )


def bitmap(size: int = 256) -> Image.Image:
    scale = size / 32
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, size - 1, size - 1), radius=RADIUS * scale, fill=NAVY)
    draw.polygon([(x * scale, y * scale) for x, y in LETTER], fill=WHITE)
    draw.polygon([(x * scale, y * scale) for x, y in HOLE], fill=NAVY)
    return image


def main() -> None:
    (STATIC / "favicon.svg").write_text(svg(), encoding="utf-8")
    bitmap().save(STATIC / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)])


if __name__ == "__main__":
    main()
