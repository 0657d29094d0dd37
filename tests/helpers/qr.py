"""Reading a QR code back from the SVG the server draws, without the library that drew it."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import segno

QUIET_ZONE = 4  # modules of white around the symbol, as the QR standard asks
PATH_COMMAND = re.compile(r"([Mmh])(-?[\d.]+)(?:\s(-?[\d.]+))?")


class _SvgParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.svgs: list[dict[str, str | None]] = []
        self.paths: list[dict[str, str | None]] = []
        self.titles: list[str] = []
        self.styled = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if "style" in attributes or tag == "style":
            self.styled += 1
        if tag == "svg":
            self.svgs.append(attributes)
        elif tag == "path":
            self.paths.append(attributes)
        self._in_title = tag == "title"

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.titles.append(data)


def read_svg(svg: str) -> _SvgParser:
    parser = _SvgParser()
    parser.feed(svg)
    parser.close()
    return parser


def drawn_modules(svg: str) -> list[list[bool]]:
    """The dark modules an SVG QR code draws, read from its path alone (not from segno): every
    `h` is a run of dark modules along row y (the stroke's centre line is at y + 0.5), and `m`
    moves without drawing. The quiet zone is cut off, so the result is the symbol itself."""
    parser = read_svg(svg)
    (drawn,) = [path for path in parser.paths if path.get("stroke")]
    # HTMLParser lowercases attribute names: viewBox is "viewbox" here.
    size = int(parser.svgs[0]["viewbox"].split()[2]) - 2 * QUIET_ZONE
    matrix = [[False] * size for _ in range(size)]
    x = y = 0.0
    for command, first, second in PATH_COMMAND.findall(drawn["d"]):
        if command == "M":
            x, y = float(first), float(second)
        elif command == "m":
            x, y = x + float(first), y + float(second)
        else:
            for column in range(int(x), int(x + float(first))):
                matrix[int(y - 0.5) - QUIET_ZONE][column - QUIET_ZONE] = True
            x += float(first)
    return matrix


def qr_modules(text: str) -> list[list[list[bool]]]:
    """The symbols a QR code of `text` can be, one per error-correction level: a drawing equal
    to one of them holds `text` (the format bits in the symbol say which level and mask)."""
    return [[[bool(module) for module in row]
             for row in segno.make(text, error=level, boost_error=False, micro=False).matrix]
            for level in "LMQH"]
