#!/usr/bin/env bash
# Installs what the test suite needs on a fresh machine (idempotent; quick when already there).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "==> setup: toolchain $(cargo --version)"
