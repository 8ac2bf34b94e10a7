"""The addon installs as OCA's addons do: a wheel built by whool, nothing but the addon inside.

Run by `make test` (or `make test TAGS=tooling:TestWheel`), with the machine's python3.
"""

import subprocess
import sys
import tempfile
import unittest
import zipfile
from pathlib import Path

import dev

ADDON_PREFIX = f"odoo/addons/{dev.MODULE}/"


class TestWheel(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="payer-wheel-test-")
        cls.wheel = dev.build_wheel(Path(cls.tmp.name) / "dist")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_wheel_is_named_as_oca_names_addons(self):
        self.assertRegex(self.wheel.name, rf"^odoo_addon_{dev.MODULE}-19\.0\.[\w.]+-py3-none-any\.whl$")

    def test_wheel_holds_the_addon_files_only(self):
        with zipfile.ZipFile(self.wheel) as zf:
            names = zf.namelist()
        addon = {n[len(ADDON_PREFIX) :] for n in names if n.startswith(ADDON_PREFIX)}
        others = [n for n in names if not n.startswith(ADDON_PREFIX) and ".dist-info/" not in n]
        self.assertEqual(others, [])
        self.assertIn("__manifest__.py", addon)
        self.assertIn("models/payer_portal_ledger.py", addon)
        self.assertIn("static/description/icon.png", addon)
        for dev_only in ("tooling/", ".ci/", ".cache/", ".venv/", ".git", "Makefile", "pyproject.toml", "dist/"):
            self.assertFalse([n for n in addon if n.startswith(dev_only)], f"{dev_only} is in the wheel")

    def test_wheel_depends_on_odoo_19_only(self):
        with zipfile.ZipFile(self.wheel) as zf:
            meta = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
            requires = [
                line.split(":", 1)[1].strip()
                for line in zf.read(meta).decode().splitlines()
                if line.startswith("Requires-Dist:")
            ]
        self.assertEqual(requires, ["odoo==19.0.*"])

    def test_wheel_installs_the_addon_under_odoo_addons(self):
        venv = Path(self.tmp.name) / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
        res = subprocess.run(
            [str(venv / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check", "--no-deps",
             "-q", str(self.wheel)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        self.assertEqual(res.returncode, 0, res.stdout + res.stderr)
        manifests = list(venv.glob(f"lib/python3*/site-packages/odoo/addons/{dev.MODULE}/__manifest__.py"))
        self.assertEqual(len(manifests), 1, "the installed wheel has no odoo/addons/account_payer_portal")
        installed = manifests[0].parent
        self.assertEqual((installed / "__manifest__.py").read_bytes(), (dev.ROOT / "__manifest__.py").read_bytes())
        self.assertFalse((installed / "tooling").exists())


class TestRequirements(unittest.TestCase):
    def test_addon_requires_nothing_beyond_odoo(self):
        # Platforms install an addon folder's requirements.txt on the production server.
        req = dev.ROOT / "requirements.txt"
        pins = [
            line
            for line in (req.read_text().splitlines() if req.exists() else [])
            if line.strip() and not line.lstrip().startswith("#")
        ]
        self.assertEqual(pins, [], "the addon's requirements.txt lists development pins")

    def test_make_setup_installs_the_tooling_requirements(self):
        self.assertEqual(dev.REQUIREMENTS, dev.ROOT / "tooling" / "requirements.txt")
        pins = dev.REQUIREMENTS.read_text()
        for needed in ("ruff==", "pylint-odoo==", "hypothesis==", "whool==", "psycopg2=="):
            self.assertIn(needed, pins)
