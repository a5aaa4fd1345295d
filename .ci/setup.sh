#!/usr/bin/env bash
# Installs what the test suite needs on a fresh machine (idempotent; quick when already there).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "==> setup: toolchain $(cargo --version)"

# Keyring tests (tests/keyring/run.sh): a Secret Service to talk to, libsecret for MSAL.NET's
# LinuxKeyringAccessor (Az.Accounts' code path), secret-tool to inspect items.
need=()
command -v dpkg >/dev/null || { echo '==> setup: not Debian; install gnome-keyring, dbus, libsecret yourself for tests/keyring'; exit 0; }
for pkg in gnome-keyring dbus dbus-daemon libsecret-1-0 libsecret-tools; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
    echo "==> setup: apt-get install ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
