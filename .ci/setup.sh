#!/usr/bin/env bash
# Installs what the test suite needs on a fresh machine (idempotent; quick when already there).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "==> setup: toolchain $(cargo --version)"

py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3

# Debian packages:
# - keyring tests (tests/keyring/run.sh): a Secret Service to talk to, libsecret for MSAL.NET's
#   LinuxKeyringAccessor (Az.Accounts' code path), secret-tool to inspect items;
# - interop tests (tests/interop/run.sh): Python 3 with venv.
if command -v dpkg >/dev/null; then
    need=()
    for pkg in gnome-keyring dbus dbus-daemon libsecret-1-0 libsecret-tools; do
        dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
    done
    "$py" -c 'import venv, ensurepip' >/dev/null 2>&1 || need+=(python3-venv)
    if [ ${#need[@]} -gt 0 ]; then
        echo "==> setup: apt-get install ${need[*]}"
        export DEBIAN_FRONTEND=noninteractive
        SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
        $SUDO apt-get update -qq
        $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
    fi
else
    echo '==> setup: not Debian; install gnome-keyring, dbus, libsecret and python3-venv yourself'
fi

# The PyPI clients for the interop tests go into the gitignored .venv/ (pre-created here so the
# test step stays quick).
if ! .venv/bin/python -c 'import msal, azure.identity, pytest' >/dev/null 2>&1; then
    echo "==> setup: python venv for interop tests (msal, azure-identity, pytest)"
    "$py" -m venv --clear .venv
    .venv/bin/python -m pip install --quiet --disable-pip-version-check msal azure-identity pytest
fi
