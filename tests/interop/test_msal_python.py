"""MSAL Python (PyPI `msal`) against the emulator: the real protocol, not our client's dialect."""
import hashlib
import html
import re
import threading
import webbrowser

import msal
import requests
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from conftest import ARM_SCOPE, AZURE_POWERSHELL, CONTOSO, FABRIKAM, SEED_DIR, SP_APP, SP_SECRET, claims
import os


def confidential(emu, credential, tenant=CONTOSO):
    return msal.ConfidentialClientApplication(
        SP_APP, client_credential=credential, authority=f"{emu.authority}/{tenant}",
        instance_discovery=False, verify=emu.ca)


def test_client_credentials_with_secret(emu):
    result = confidential(emu, SP_SECRET).acquire_token_for_client(scopes=[ARM_SCOPE])
    assert "access_token" in result, result
    c = claims(result["access_token"])
    assert (c["tid"], c["appid"], c["aud"]) == (CONTOSO, SP_APP, "https://management.core.windows.net/")
    # The token is good at the emulator's ARM.
    subs = emu.arm(result["access_token"], "/subscriptions?api-version=2022-12-01")
    assert subs.status_code == 200 and subs.json()["value"]


def test_client_credentials_with_wrong_secret_is_invalid_client(emu):
    result = confidential(emu, "wrong").acquire_token_for_client(scopes=[ARM_SCOPE])
    assert result.get("error") == "invalid_client" and 7000215 in result["error_codes"]


def _pem(name):
    with open(os.path.join(SEED_DIR, name)) as f:
        return f.read()


def test_client_credentials_with_certificate_sha1_thumbprint(emu):
    cert = x509.load_pem_x509_certificate(_pem("sp-cert.pem").encode())
    thumb = cert.fingerprint(hashes_sha1()).hex()
    result = confidential(emu, {"private_key": _pem("sp-key.pem"), "thumbprint": thumb}).acquire_token_for_client(scopes=[ARM_SCOPE])
    assert "access_token" in result, result
    assert claims(result["access_token"])["appidacr"] == "2"


def test_client_credentials_with_certificate_pfx_and_x5c(emu):
    # PFX -> MSAL Python signs PS256 with x5t#S256; public_certificate adds x5c (SN+I).
    cred = {"private_key_pfx_path": os.path.join(SEED_DIR, "sp-cert.pfx"), "passphrase": "", "public_certificate": True}
    result = confidential(emu, cred).acquire_token_for_client(scopes=[ARM_SCOPE])
    assert "access_token" in result, result


def hashes_sha1():
    from cryptography.hazmat.primitives import hashes
    return hashes.SHA1()


def public(emu, tenant="organizations", cache=None):
    return msal.PublicClientApplication(AZURE_POWERSHELL, authority=f"{emu.authority}/{tenant}",
                                        instance_discovery=False, verify=emu.ca, token_cache=cache)


def test_device_code(emu):
    app = public(emu)
    flow = app.initiate_device_flow(scopes=[ARM_SCOPE])
    assert "user_code" in flow, flow
    assert flow["user_code"] in flow["message"] and "/devicelogin" in flow["message"]
    emu.admin("POST", "approve-device", {"userCode": flow["user_code"], "user": "alice@contoso.onmicrosoft.com"})
    result = app.acquire_token_by_device_flow(flow)
    assert "access_token" in result, result
    assert result["id_token_claims"]["preferred_username"] == "alice@contoso.onmicrosoft.com"
    assert claims(result["access_token"])["tid"] == CONTOSO


def _fake_browser(emu, user, password):
    """A stand-in browser: GET the sign-in page, POST the form, deliver the response to MSAL's
    loopback listener (form_post auto-submit page, or a 302 for query mode)."""
    def browse(url, *args, **kwargs):
        def run():
            s = requests.Session()
            page = s.get(url, verify=emu.ca, timeout=10)
            action = html.unescape(re.search(r'<form method="POST" action="([^"]+)"', page.text).group(1))
            q = html.unescape(re.search(r'name="q" value="([^"]*)"', page.text).group(1))
            r = s.post(emu.authority + action, data={"q": q, "username": user, "password": password, "action": "signin"},
                       verify=emu.ca, allow_redirects=False, timeout=10)
            if r.status_code == 302:
                s.get(r.headers["Location"], timeout=10)
                return
            target = html.unescape(re.search(r'action="([^"]+)"', r.text).group(1))
            fields = {html.unescape(k): html.unescape(v) for k, v in re.findall(r'name="([^"]+)" value="([^"]*)"', r.text)}
            s.post(target, data=fields, timeout=10)
        threading.Thread(target=run, daemon=True).start()
        return True
    return browse


def test_auth_code_loopback_then_refresh_in_second_tenant(emu, monkeypatch):
    cache = msal.SerializableTokenCache()
    app = public(emu, cache=cache)
    monkeypatch.setattr(webbrowser, "open", _fake_browser(emu, "alice@contoso.onmicrosoft.com", "Pa55w.rd-alice"))
    result = app.acquire_token_interactive(scopes=[ARM_SCOPE], prompt="select_account", timeout=30)
    assert "access_token" in result, result
    assert result["id_token_claims"]["tid"] == CONTOSO
    assert result.get("refresh_token")
    # Second tenant: a new app for Fabrikam sharing the cache redeems the refresh token there.
    app2 = public(emu, tenant=FABRIKAM, cache=cache)
    account = app2.get_accounts(username="alice@contoso.onmicrosoft.com")[0]
    result2 = app2.acquire_token_silent([ARM_SCOPE], account=account, force_refresh=True)
    assert result2 and "access_token" in result2, result2
    assert claims(result2["access_token"])["tid"] == FABRIKAM
    subs = emu.arm(result2["access_token"], "/subscriptions?api-version=2022-12-01").json()["value"]
    assert {s["tenantId"] for s in subs} == {FABRIKAM}

# ROPC is covered by the Rust tests: MSAL Python calls user-realm discovery on port 443 (§5).
