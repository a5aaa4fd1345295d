"""azure-identity's ManagedIdentityCredential against the emulator's IMDS and App Service endpoints."""
from azure.identity import ManagedIdentityCredential

from conftest import CONTOSO, claims

ARM = "https://management.azure.com/.default"
MI_ENV = ["IDENTITY_ENDPOINT", "IDENTITY_HEADER", "IDENTITY_SERVER_THUMBPRINT", "MSI_ENDPOINT", "MSI_SECRET",
          "IMDS_ENDPOINT", "AZURE_POD_IDENTITY_AUTHORITY_HOST", "AZURE_CLIENT_ID", "AZURE_FEDERATED_TOKEN_FILE"]


def clean(monkeypatch):
    for name in MI_ENV:
        monkeypatch.delenv(name, raising=False)


def test_imds_system_assigned(emu, monkeypatch):
    clean(monkeypatch)
    monkeypatch.setenv("AZURE_POD_IDENTITY_AUTHORITY_HOST", emu.http)
    token = ManagedIdentityCredential().get_token(ARM)
    c = claims(token.token)
    assert (c["oid"], c["tid"]) == ("00000000-0000-0000-0000-0000000000e2", CONTOSO)
    assert token.expires_on > 0


def test_imds_user_assigned_by_client_id(emu, monkeypatch):
    clean(monkeypatch)
    monkeypatch.setenv("AZURE_POD_IDENTITY_AUTHORITY_HOST", emu.http)
    before = emu.admin("GET", "stats")["requests"].get("imds", 0)
    token = ManagedIdentityCredential(client_id="00000000-0000-0000-0000-0000000000e3").get_token(ARM)
    assert claims(token.token)["oid"] == "00000000-0000-0000-0000-0000000000e4"
    assert emu.admin("GET", "stats")["requests"]["imds"] > before


def test_app_service(emu, monkeypatch):
    clean(monkeypatch)
    monkeypatch.setenv("IDENTITY_ENDPOINT", emu.info["identityEndpoint"])
    monkeypatch.setenv("IDENTITY_HEADER", emu.info["identityHeader"])
    token = ManagedIdentityCredential().get_token(ARM)
    assert claims(token.token)["oid"] == "00000000-0000-0000-0000-0000000000e2"
    uami = ManagedIdentityCredential(client_id="00000000-0000-0000-0000-0000000000e3").get_token(ARM)
    assert claims(uami.token)["appid"] == "00000000-0000-0000-0000-0000000000e3"
