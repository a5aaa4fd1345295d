#!/usr/bin/env bash
# Runs the keyring-dependent tests against a real Secret Service: a private D-Bus session
# (dbus-run-session) with gnome-keyring-daemon's secrets component, its login keyring unlocked
# with a throwaway password, so nothing prompts. Covers:
#   - cargo tests marked #[ignore] that need the Secret Service (cache::keyring_tests)
#   - tests/TokenCache.Interop.Tests.ps1 in keyring mode (MSAL.NET's libsecret, as Az.Accounts)
# Exit codes: 0 passed, 1 failed, 3 skipped (packages missing; CI installs them in .ci/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v pwsh >/dev/null || export PATH="$(cd ../shared/pwsh && pwd):$PATH"

missing=()
for tool in dbus-run-session gnome-keyring-daemon secret-tool; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
# grep without -q: with pipefail, -q's early exit would fail the pipeline (SIGPIPE to ldconfig).
if ! ldconfig -p 2>/dev/null | grep 'libsecret-1.so.0' >/dev/null; then missing+=("libsecret-1.so.0"); fi
if [ ${#missing[@]} -gt 0 ]; then
    echo "tests/keyring/run.sh: SKIPPED - missing ${missing[*]} (install: gnome-keyring dbus dbus-daemon libsecret-1-0 libsecret-tools; .ci/setup.sh does)" >&2
    exit 3
fi

if [ "${AZRS_IN_KEYRING_SESSION:-}" != "1" ]; then
    # Re-run inside a fresh session bus; the daemon dies with the session.
    export AZRS_IN_KEYRING_SESSION=1
    exec dbus-run-session -- bash "$0" "$@"
fi

# gnome-keyring stores its keyrings under XDG_DATA_HOME: keep them out of the real home.
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
export XDG_DATA_HOME="$scratch/data" XDG_RUNTIME_DIR="$scratch/run"
mkdir -p "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
# --unlock reads the password from stdin and creates/unlocks the login keyring (the default collection).
eval "$(printf 'azrs-test' | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL
for _ in $(seq 1 50); do
    secret-tool search --all nonexistent x >/dev/null 2>&1 && break
    sleep 0.1
done
# Make sure the default alias exists (some daemons only create it on first store).
printf 'probe' | secret-tool store --label='AzRs probe' azrs-probe 1 >/dev/null 2>&1 || true
secret-tool clear azrs-probe 1 >/dev/null 2>&1 || true

echo "==> keyring session: $DBUS_SESSION_BUS_ADDRESS"
status=0
cargo test --release -p azrs --locked --lib cache::keyring_tests -- --ignored --test-threads=1 || status=1

AZRS_TEST_KEYRING=1 pwsh -NoProfile -NonInteractive -Command '
$ErrorActionPreference = "Stop"
Import-Module Pester -MinimumVersion 5.7
$c = New-PesterConfiguration
$c.Run.Path = @("./tests/TokenCache.Interop.Tests.ps1")
$c.Run.Exit = $true
$c.Output.Verbosity = "Detailed"
Invoke-Pester -Configuration $c' || status=1

exit $status
