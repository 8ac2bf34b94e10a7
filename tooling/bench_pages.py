"""The payer portal next to Odoo's own invoice list, over HTTP, for `make bench` (tooling/dev.py).

Run with the project's Python against a running Odoo holding the benchmark's customer and its
portal user ``bench_portal`` (created by tooling/bench.py):

    python bench_pages.py pages BASE_URL            # one user, the pages in turns
    python bench_pages.py load BASE_URL SECONDS USERS

``pages`` requests Odoo's ``/my/invoices``, ``/my/payer-portal`` and the TO PAY list of the
payer portal's largest section in turns (the first round warms the caches) and prints, per page,
a JSON line with its size and the client's wall times; dev.py adds the server's own figures (time
and SQL queries) from Odoo's request log. ``load`` logs USERS portal sessions in and has them all
request one page after another for SECONDS each (``/my/invoices`` then ``/my/payer-portal``), and
prints a JSON line per page: requests per second, median and p95 latency, errors.
"""

import http.cookiejar
import json
import re
import statistics
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

LOGIN = PASSWORD = "bench_portal"
ROUNDS = 12


def session(base):
    """A urllib opener logged in as the benchmark's portal user."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = opener.open(base + "/web/login", timeout=60).read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"login": LOGIN, "password": PASSWORD, "csrf_token": token}).encode()
    opener.open(base + "/web/login", data, timeout=60).read()
    return opener


def to_pay_url(body):
    """The TO PAY list's own URL (the first, largest section's), as the page links it."""
    found = re.search(rb'href="(/my/payer-portal/to-pay\?[^"]+)"', body)
    return found.group(1).decode().replace("&amp;", "&") if found else None


def pages(base):
    opener = session(base)
    payer = opener.open(base + "/my/payer-portal", timeout=120).read()
    assert b"data-payer-figure" in payer, "the payer portal shows no figure"
    urls = ["/my/invoices", "/my/payer-portal"]
    if to_pay_url(payer):
        urls.append(to_pay_url(payer))
    walls = {url: [] for url in urls}
    sizes = {}
    for _round in range(ROUNDS):
        for url in urls:
            started = time.perf_counter()
            body = opener.open(base + url, timeout=120).read()
            walls[url].append((time.perf_counter() - started) * 1000)
            sizes[url] = len(body)
    for url in urls:
        wall = walls[url][1:]
        print(json.dumps({"url": url, "bytes": sizes[url], "wall_ms": statistics.median(wall)}), flush=True)


def load(base, seconds, users):
    openers = [session(base) for _ in range(users)]
    for url in ("/my/invoices", "/my/payer-portal"):
        for opener in openers[:4]:  # each worker's caches warm
            opener.open(base + url, timeout=120).read()
        latencies, errors = [], []
        lock = threading.Lock()
        deadline = time.monotonic() + seconds

        def user(opener, url=url, deadline=deadline, lock=lock, latencies=latencies, errors=errors):
            while time.monotonic() < deadline:
                started = time.perf_counter()
                try:
                    with opener.open(base + url, timeout=120) as response:
                        response.read()
                        ok = response.status == 200
                except (urllib.error.URLError, OSError):
                    ok = False
                elapsed = time.perf_counter() - started
                with lock:
                    (latencies if ok else errors).append(elapsed)

        threads = [threading.Thread(target=user, args=(opener,)) for opener in openers]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        duration = time.monotonic() - started
        latencies.sort()
        print(
            json.dumps(
                {
                    "url": url,
                    "requests": len(latencies),
                    "errors": len(errors),
                    "rps": len(latencies) / duration,
                    "p50_ms": latencies[len(latencies) // 2] * 1000 if latencies else None,
                    "p95_ms": latencies[int(len(latencies) * 0.95)] * 1000 if latencies else None,
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    if sys.argv[1] == "pages":
        pages(sys.argv[2])
    else:
        load(sys.argv[2], float(sys.argv[3]), int(sys.argv[4]))
