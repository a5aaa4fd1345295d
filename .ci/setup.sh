#!/usr/bin/env bash
# Installs what the test suite needs on a fresh machine (idempotent; quick when already there).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "==> setup: toolchain $(cargo --version)"

# Interop tests (tests/interop/run.sh) need Python 3 with venv; the PyPI clients are installed
# by run.sh into the gitignored .venv/ (pre-created here so the test step stays quick).
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
if ! "$py" -c 'import venv, ensurepip' >/dev/null 2>&1; then
  echo "==> setup: installing python3-venv"
  apt-get update -qq && apt-get install -y -qq python3-venv
fi
if ! .venv/bin/python -c 'import msal, azure.identity, pytest' >/dev/null 2>&1; then
  echo "==> setup: python venv for interop tests (msal, azure-identity, pytest)"
  "$py" -m venv --clear .venv
  .venv/bin/python -m pip install --quiet --disable-pip-version-check msal azure-identity pytest
fi
