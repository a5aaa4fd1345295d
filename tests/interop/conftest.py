"""Starts one azrs-emulator for the interop session (independent clients: msal, azure-identity)."""
import base64
import json
import os
import subprocess
import tempfile

import pytest
import requests

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CONTOSO = "00000000-0000-0000-0000-0000000000a1"
FABRIKAM = "00000000-0000-0000-0000-0000000000a2"
ARM_SCOPE = "https://management.core.windows.net//.default"
AZURE_POWERSHELL = "1950a258-227b-4e31-a9cf-717495945fc2"
SP_APP = "00000000-0000-0000-0000-0000000000c1"
SP_SECRET = "Emu.Secret-c1~not-a-real-secret"
SEED_DIR = os.path.join(ROOT, "emulator", "seed")


def claims(jwt):
    """Decoded (unverified) JWT payload."""
    payload = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


class Emulator:
    def __init__(self, info):
        self.info = info
        self.authority = info["authority"]
        self.ca = info["caPath"]
        self.http = info["http"]

    def admin(self, method, path, body=None):
        r = requests.request(method, f"{self.authority}/admin/{path}", json=body, verify=self.ca, timeout=10)
        r.raise_for_status()
        return r.json()

    def arm(self, token, path):
        return requests.get(f"{self.authority}{path}", headers={"Authorization": f"Bearer {token}"}, verify=self.ca, timeout=10)


@pytest.fixture(scope="session")
def emu():
    binary = os.environ.get("AZRS_EMULATOR_BIN", os.path.join(ROOT, "target", "release", "azrs-emulator"))
    state = tempfile.mkdtemp(prefix="azrs-emu-interop-")
    proc = subprocess.Popen([binary, "--port", "0", "--state-dir", state], stdout=subprocess.PIPE, text=True)
    try:
        info = json.loads(proc.stdout.readline())
        e = Emulator(info)
        # requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override a session's `verify`, so
        # point them at the emulator's CA (the documented way, protocol §9.5).
        os.environ["REQUESTS_CA_BUNDLE"] = e.ca
        os.environ["CURL_CA_BUNDLE"] = e.ca
        e.admin("POST", "settings", {"deviceCodeInterval": 1})
        yield e
    finally:
        proc.terminate()
        proc.wait(timeout=10)
