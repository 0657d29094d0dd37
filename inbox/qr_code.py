"""The QR code on the enrolment page: the otpauth:// set-up link drawn as an inline SVG on the
server (segno), so no outside service ever sees the key and the page needs no script.

segno writes presentation attributes only (fill, stroke), never a style attribute, which the
Content-Security-Policy (style-src 'self') would block.
"""

from __future__ import annotations

import segno
from markupsafe import Markup

# Pixels per module at the picture's natural size: about 250 px for a set-up link, big enough
# for a phone camera at arm's length, small enough for a 320 px screen (the CSS shrinks it
# further when it must).
MODULE_PIXELS = 4


def svg(text: str, title: str) -> Markup:
    """`text` as a QR code (error correction M or better, with the standard four-module quiet
    zone), an <svg role="img"> whose <title> is its text alternative."""
    code = segno.make(text, error="m", micro=False)
    width, height = code.symbol_size(scale=MODULE_PIXELS)
    # segno escapes the title (a translation is untrusted input) and everything else it writes
    # is numbers and fixed words, so the result is safe to put into the page as it is.
    drawn = code.svg_inline(omitsize=True, title=str(title), dark="#000", light="#fff",
                            svgclass="qr-code", lineclass=None)
    # The viewBox counts modules; width and height give the natural size, and crisp edges keep
    # neighbouring rows from blurring into each other when the picture is scaled.
    return Markup(drawn.replace(
        "<svg ", f'<svg role="img" width="{width}" height="{height}" '
                 'shape-rendering="crispEdges" ', 1))
