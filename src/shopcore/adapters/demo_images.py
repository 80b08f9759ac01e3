"""Placeholder product pictures for the demo catalog, drawn with Pillow."""

from __future__ import annotations

import io
import textwrap

from PIL import Image, ImageDraw

_PALETTE = ((37, 99, 235), (22, 163, 74), (234, 88, 12), (147, 51, 234), (219, 39, 119),
            (13, 148, 136), (202, 138, 4), (71, 85, 105))


class PillowDemoImages:
    """``DemoImageSource``: a coloured card with the product's title, as a PNG."""

    def __init__(self, size: tuple[int, int] = (800, 600)) -> None:
        self._size = size

    def picture(self, title: str, number: int) -> bytes:
        background = _PALETTE[number % len(_PALETTE)]
        image = Image.new("RGB", self._size, background)
        draw = ImageDraw.Draw(image)
        width, height = self._size
        inset = min(width, height) // 12
        draw.rounded_rectangle((inset, inset, width - inset, height - inset), radius=inset,
                               outline=(255, 255, 255), width=max(2, inset // 8))
        text = "\n".join(textwrap.wrap(title, width=22))
        draw.multiline_text((width / 2, height / 2), text, fill=(255, 255, 255), anchor="mm",
                            align="center", font_size=max(12, height // 12))
        out = io.BytesIO()
        image.save(out, "PNG")
        return out.getvalue()
