"""Reading the charts of built pages back: their SVG drawings, the boxes of their texts,
their text and mark colours, as a reader's browser or printer would meet them.

The drawings are matplotlib's SVG with texts kept as ``<text>`` (``helpers.pages.charts``);
a text's box is measured with the chart's own font (DejaVu Sans) at its size, placed by its
anchor and turned by its rotation (a multiple of 90 degrees).
"""

from __future__ import annotations

import base64
import html
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath

PICTURE = re.compile(r"<picture>.*?</picture>", re.S)
SOURCE = re.compile(
    r'<source[^>]*?media="([^"]*)"[^>]*?srcset="data:image/svg\+xml;base64,([^"]+)"'
)
IMAGE = re.compile(r'<img[^>]*? src="data:image/svg\+xml;base64,([^"]+)"')
TEXT = re.compile(r"<text ([^>]*)>([^<]*)</text>")
STYLE = re.compile(r'style="([^"]*)"')
NUMBER = r"(-?[\d.]+(?:e-?\d+)?)"
VIEWBOX = re.compile(r'viewBox="0 0 ([\d.]+) ([\d.]+)"')


@dataclass(frozen=True)
class Drawings:
    """The drawings of one chart: for a screen, a phone and the printed page ('' when
    the page has none)."""

    wide: str
    narrow: str
    printed: str


def read_drawings(page: Path) -> list[Drawings]:
    """Every chart of a built page, its drawings decoded."""
    found = []
    for picture in PICTURE.findall(page.read_text(encoding="utf-8")):
        sources = {
            media: base64.b64decode(data).decode("utf-8") for media, data in SOURCE.findall(picture)
        }
        wide = base64.b64decode(IMAGE.search(picture).group(1)).decode("utf-8")
        narrow = next((svg for media, svg in sources.items() if "max-width" in media), "")
        found.append(Drawings(wide, narrow, sources.get("print", "")))
    return found


@dataclass(frozen=True)
class TextBox:
    """A text of a drawing and the four corners of its (possibly turned) box."""

    text: str
    size: float
    fill: str
    corners: tuple[tuple[float, float], ...]

    def meets(self, other: TextBox, tolerance: float = 0.5) -> bool:
        """True when the two boxes overlap by more than ``tolerance`` (separating axes:
        two convex boxes are apart when their shadows on some side's axis are)."""
        for box in (self, other):
            for (ax, ay), (bx, by) in zip(
                box.corners, box.corners[1:] + box.corners[:1], strict=True
            ):
                length = math.hypot(bx - ax, by - ay) or 1.0
                nx, ny = -(by - ay) / length, (bx - ax) / length
                first = [nx * x + ny * y for x, y in self.corners]
                second = [nx * x + ny * y for x, y in other.corners]
                if min(max(first), max(second)) - max(min(first), min(second)) <= tolerance:
                    return False
        return True


def style_of(attributes: str) -> dict[str, str]:
    found = STYLE.search(attributes)
    if not found:
        return {}
    pairs = (part.split(":", 1) for part in found.group(1).split(";") if ":" in part)
    return {k.strip(): v.strip() for k, v in pairs}


@lru_cache(maxsize=4096)
def measure(text: str, size: float) -> tuple[float, float, float]:
    """Width, height and descent of ``text`` in DejaVu Sans at ``size``."""
    props = FontProperties(family="DejaVu Sans", size=size)
    return TextToPath().get_text_width_height_descent(text, props, ismath=False)


def unescape(text: str) -> str:
    return html.unescape(text)


def text_boxes(svg: str) -> list[TextBox]:
    """The box of every text of an SVG drawing, in its user units (points)."""
    boxes = []
    for attributes, raw in TEXT.findall(svg):
        text = unescape(raw)
        if not text.strip():
            continue
        style = style_of(attributes)
        size = float(style.get("font-size", "10px").removesuffix("px"))
        at = re.search(rf'\bx="{NUMBER}" y="{NUMBER}"', attributes) or re.search(
            rf"translate\({NUMBER} {NUMBER}\)", attributes
        )
        x, y = float(at.group(1)), float(at.group(2))
        turn = re.search(rf"rotate\({NUMBER}", attributes)
        angle = math.radians(float(turn.group(1))) if turn else 0.0
        width, height, descent = measure(text, size)
        left = -{"start": 0.0, "middle": width / 2, "end": width}[style.get("text-anchor", "start")]
        local = ((left, -(height - descent)), (left + width, -(height - descent)),
                 (left + width, descent), (left, descent))  # fmt: skip
        cos, sin = math.cos(angle), math.sin(angle)
        corners = tuple((x + u * cos - v * sin, y + u * sin + v * cos) for u, v in local)
        boxes.append(TextBox(text, size, style.get("fill", "#000000"), corners))
    return boxes


def frame_of(svg: str) -> tuple[float, float]:
    width, height = VIEWBOX.search(svg).groups()
    return float(width), float(height)


def overlapping(boxes: list[TextBox]) -> list[tuple[str, str]]:
    """The pairs of texts whose boxes overlap."""
    return [(a.text, b.text) for i, a in enumerate(boxes) for b in boxes[i + 1 :] if a.meets(b)]


def outside(svg: str, boxes: list[TextBox], tolerance: float = 1.0) -> list[str]:
    """The texts whose boxes cross the drawing's frame."""
    width, height = frame_of(svg)
    return [
        b.text
        for b in boxes
        if any(
            x < -tolerance or y < -tolerance or x > width + tolerance or y > height + tolerance
            for x, y in b.corners
        )
    ]


# A drawn mark: a path of a patch, a line or a collection, with its fill and stroke.
MARK_GROUP = re.compile(
    r'<g id="((?:patch|line2d|PolyCollection|PathCollection|LineCollection)_\d+)">(.*?)</g>', re.S
)
PATH_STYLE = re.compile(r'<(?:path|use)[^>]*?style="([^"]*)"')
HEX = re.compile(r"#[0-9a-fA-F]{6}")


def mark_colours(svg: str, furniture: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """(group id, colour) of every opaque fill and stroke of the drawing's marks outside
    its axes' furniture (grid lines, ticks and spines sit in ``matplotlib.axis`` groups
    and ``patch`` groups drawn white, or in a ``furniture`` colour: the axes' frame);
    translucent fills (an interval's band) are left
    out, being read with the line they surround."""
    body = re.sub(r'<g id="matplotlib\.axis_\d+">.*?\n   </g>\n', "", svg, flags=re.S)
    found = []
    for group, inner in MARK_GROUP.findall(body):
        for style in PATH_STYLE.findall(inner):
            parts = dict(
                (k.strip(), v.strip())
                for k, v in (p.split(":", 1) for p in style.split(";") if ":" in p)
            )
            if float(parts.get("opacity", 1)) < 1:
                continue
            for key in ("fill", "stroke"):
                colour = parts.get(key, "")
                if not HEX.fullmatch(colour):
                    continue
                if float(parts.get(f"{key}-opacity", 1)) < 1 or colour.lower() in furniture:
                    continue
                found.append((group, colour.lower()))
    return found


PATH_POINTS = re.compile(rf"[ML] {NUMBER} {NUMBER}")
PATCH = re.compile(r'<g id="patch_\d+">\s*<path d="([^"]*)"[^>]*?style="([^"]*)"', re.S)


def backgrounds(svg: str) -> list[tuple[tuple[float, float, float, float], str]]:
    """The filled rectangles of a drawing (bars, parts of bars, the plot's ground), in
    the order drawn, each as (x0, y0, x1, y1) and its fill."""
    found = []
    for path, style in PATCH.findall(svg):
        fill = dict(
            (k.strip(), v.strip())
            for k, v in (p.split(":", 1) for p in style.split(";") if ":" in p)
        ).get("fill", "")
        points = [(float(x), float(y)) for x, y in PATH_POINTS.findall(path)]
        if not HEX.fullmatch(fill) or len(points) < 4:
            continue
        xs, ys = [x for x, _ in points], [y for _, y in points]
        found.append(((min(xs), min(ys), max(xs), max(ys)), fill.lower()))
    return found


def background_of(box: TextBox, grounds: list, default: str = "#ffffff") -> str:
    """The fill under the centre of a text: the last rectangle drawn there, else white."""
    cx = sum(x for x, _ in box.corners) / 4
    cy = sum(y for _, y in box.corners) / 4
    under = [fill for (x0, y0, x1, y1), fill in grounds if x0 <= cx <= x1 and y0 <= cy <= y1]
    return under[-1] if under else default
