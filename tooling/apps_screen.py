"""What Odoo's Apps screen shows of the addon: its icon and the screenshots of its description page.

Run by ``tooling/dev.py screenshots`` (``make screenshots``) with the project venv's Python (Pillow,
websocket-client):

    apps_screen.py icon OUT.png
    apps_screen.py shots BASE_URL OUT_DIR CHROMIUM LOGIN PASSWORD

``shots`` logs into the running demo server as the portal user, drives headless Chromium through
its DevTools protocol and writes ``screenshot_desktop.png`` (1280 px) and ``screenshot_phone.png``
(390 px, a phone) of the payer portal, reduced to a 256-colour palette to stay small.
"""

import base64
import http.cookiejar
import io
import json
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import websocket
from PIL import Image, ImageDraw

PAGE = "/my/payer-portal"
SHOTS = [
    # file, viewport width, viewport height at most, phone
    ("screenshot_desktop.png", 1280, 900, False),
    ("screenshot_phone.png", 390, 1300, True),
]


# --------------------------------------------------------------------------- icon


def draw_icon(out, size=128):
    """A statement of account (a sheet with lines and an aging bar) on Odoo's app-icon tile."""
    scale = 4
    s = size * scale
    img = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)

    def box(x0, y0, x1, y1):
        return [round(v * s) for v in (x0, y0, x1, y1)]

    # tile: vertical gradient from Odoo's purple to a deeper one, rounded corners
    tile = Image.new("RGBA", (s, s))
    td = ImageDraw.Draw(tile)
    top, bottom = (135, 90, 123), (96, 60, 90)
    for y in range(s):
        f = y / (s - 1)
        td.line([(0, y), (s, y)], fill=tuple(round(a + (b - a) * f) for a, b in zip(top, bottom, strict=True)))
    mask = Image.new("L", (s, s), 0)
    ImageDraw.Draw(mask).rounded_rectangle(box(0, 0, 1, 1), radius=round(0.22 * s), fill=255)
    img.paste(tile, (0, 0), mask)
    # sheet with a folded corner
    d.rounded_rectangle(box(0.24, 0.16, 0.76, 0.84), radius=round(0.04 * s), fill=(255, 255, 255, 255))
    d.polygon([tuple(box(0.64, 0.16, 0, 0)[:2]), tuple(box(0.76, 0.28, 0, 0)[:2]), tuple(box(0.64, 0.28, 0, 0)[:2])],
              fill=(220, 205, 216, 255))  # fmt: skip
    # text lines
    for i, width in enumerate((0.30, 0.22, 0.26)):
        y = 0.30 + i * 0.075
        d.rounded_rectangle(box(0.32, y, 0.32 + width, y + 0.035), radius=round(0.015 * s), fill=(190, 180, 188, 255))
    # aging bar: due, 0-30, 31-60, over 90
    x = 0.32
    for width, colour in ((0.12, (40, 167, 69)), (0.09, (255, 193, 7)), (0.07, (253, 126, 20)), (0.08, (220, 53, 69))):
        d.rectangle(box(x, 0.57, x + width, 0.65), fill=(*colour, 255))
        x += width
    # balance line
    d.rounded_rectangle(box(0.32, 0.72, 0.68, 0.77), radius=round(0.02 * s), fill=(135, 90, 123, 255))
    img = img.resize((size, size), Image.LANCZOS)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    img.save(out, optimize=True)
    print(f"wrote {out} ({out.stat().st_size // 1024} KiB)")


# --------------------------------------------------------------------------- screenshots


def login(base, user, password):
    """The session cookie of the portal user, logged in through Odoo's own login form."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/web/login", timeout=120).read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"login": user, "password": password, "csrf_token": token}).encode()
    opener.open(base + "/web/login", data, timeout=120)
    body = opener.open(base + PAGE, timeout=300).read()
    if b"data-payer-figure" not in body:
        sys.exit(f"{user} sees no payer portal at {base}{PAGE}: is the demo database installed?")
    return next(c.value for c in jar if c.name == "session_id")


class DevTools:
    """The few Chrome DevTools Protocol calls we need, over one websocket."""

    def __init__(self, ws_url):
        self.ws = websocket.create_connection(ws_url, timeout=120, suppress_origin=True)
        self.next_id = 0

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})

    def evaluate(self, expression):
        return self.call("Runtime.evaluate", expression=expression, returnByValue=True)["result"].get("value")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_chromium(chromium, profile):
    port = free_port()
    proc = subprocess.Popen(
        [chromium, "--headless=new", f"--remote-debugging-port={port}", f"--user-data-dir={profile}",
         "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run", "--no-default-browser-check",
         "--disable-extensions", "--force-device-scale-factor=1", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(100):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=2) as res:
                pages = [t for t in json.load(res) if t.get("type") == "page"]
            if pages:
                return proc, pages[0]["webSocketDebuggerUrl"]
        except OSError:
            pass
        time.sleep(0.2)
    proc.kill()
    sys.exit(f"Chromium ({chromium}) did not open its DevTools port.")


def shoot(base, out_dir, chromium, user, password):
    session = login(base, user, password)
    host = urllib.parse.urlparse(base).hostname
    out_dir = Path(out_dir)
    with tempfile.TemporaryDirectory(prefix="payer-chromium-") as profile:
        proc, ws_url = start_chromium(chromium, profile)
        try:
            cdp = DevTools(ws_url)
            cdp.call("Network.enable")
            cdp.call("Network.setCookie", name="session_id", value=session, domain=host, path="/")
            for name, width, max_height, phone in SHOTS:
                cdp.call("Emulation.setDeviceMetricsOverride", width=width, height=800, deviceScaleFactor=1,
                         mobile=phone)  # fmt: skip
                cdp.call("Emulation.setTouchEmulationEnabled", enabled=phone)
                cdp.call("Page.navigate", url=base + PAGE)
                for _ in range(600):
                    time.sleep(0.2)
                    if cdp.evaluate(
                        "document.readyState === 'complete' && !!document.querySelector('[data-payer-figure]')"
                    ):
                        break
                time.sleep(1.5)  # fonts and interactions
                height = min(int(cdp.evaluate("document.documentElement.scrollHeight") or 800), max_height)
                cdp.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                         mobile=phone)  # fmt: skip
                time.sleep(0.5)
                data = base64.b64decode(cdp.call("Page.captureScreenshot", format="png")["data"])
                image = Image.open(io.BytesIO(data)).convert("RGB")
                image = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
                path = out_dir / name
                image.save(path, optimize=True)
                print(f"wrote {path} ({image.width}x{image.height}, {path.stat().st_size // 1024} KiB)")
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def main(argv):
    if argv[:1] == ["icon"] and len(argv) == 2:
        draw_icon(argv[1])
    elif argv[:1] == ["shots"] and len(argv) == 6:
        shoot(*argv[1:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
