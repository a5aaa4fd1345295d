#!/usr/bin/env bash
# Interop tests: real, independent clients (MSAL Python, azure-identity) against the emulator.
# Creates a throwaway venv under the worktree (.venv/, gitignored), installs the clients, starts
# the emulator (target/release/azrs-emulator; built if missing) and runs pytest.
#   tests/interop/run.sh [pytest args]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
venv="$root/.venv"
# Prefer the system Python: version-manager shims can point venvs at interpreters that move.
python="${PYTHON:-$( [ -x /usr/bin/python3 ] && echo /usr/bin/python3 || command -v python3 )}"
if ! "$venv/bin/python" -c 'import sys' >/dev/null 2>&1; then
  "$python" -m venv --clear "$venv"
fi
# Quiet, and quick when already installed.
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check msal azure-identity pytest
target="${CARGO_TARGET_DIR:-$root/target}"
emulator="$target/release/azrs-emulator"
if [ ! -x "$emulator" ]; then
  cargo build --release -p azrs-emulator
fi
export AZRS_EMULATOR_BIN="$emulator"
exec "$venv/bin/python" -m pytest -q -p no:cacheprovider "$root/tests/interop" "$@"
