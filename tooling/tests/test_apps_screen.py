"""What Odoo's Apps screen shows of the addon: an icon and a description page with screenshots."""

import re
import struct
import unittest

import dev

DESCRIPTION = dev.ROOT / "static" / "description"


def png_size(path):
    data = path.read_bytes()[:24]
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return struct.unpack(">II", data[16:24])


class TestAppsScreen(unittest.TestCase):
    def test_addon_has_a_square_png_icon(self):
        icon = DESCRIPTION / "icon.png"
        self.assertTrue(icon.is_file(), "static/description/icon.png is missing")
        width, height = png_size(icon) or (0, 0)
        self.assertEqual(width, height)
        self.assertGreaterEqual(width, 100)
        self.assertLess(icon.stat().st_size, 50_000)

    def test_description_page_shows_two_screenshots_that_exist(self):
        page = DESCRIPTION / "index.html"
        self.assertTrue(page.is_file(), "static/description/index.html is missing")
        html = page.read_text()
        self.assertIn("Payer Portal", html)
        images = re.findall(r'<img[^>]+src="([^"]+)"', html)
        shots = [src for src in images if "screenshot" in src]
        self.assertGreaterEqual(len(shots), 2, "the description page shows fewer than two screenshots")
        for src in shots:
            path = DESCRIPTION / src
            with self.subTest(screenshot=src):
                self.assertTrue(path.is_file(), f"{src} is missing")
                self.assertIsNotNone(png_size(path), f"{src} is not a PNG")
                self.assertLess(path.stat().st_size, 400_000, f"{src} is too large for the repository")
