#!/usr/bin/env bash
# Installs the Cloud API client library the tests drive (PyPI waba-sdk, pinned) into a throwaway
# venv and prints the path of its python. Idempotent. tests/api/cloud_client.rs reads the path
# from WAEMU_CLOUD_CLIENT_PYTHON.
set -euo pipefail
venv="${1:-${TMPDIR:-/tmp}/wa-cloud-client-venv}"
if ! "$venv/bin/python" -c "import waba_sdk" 2>/dev/null; then
  command -v python3 >/dev/null || (apt-get update -qq && apt-get install -y -qq python3) >/dev/null
  python3 -m venv "$venv" >/dev/null 2>&1 || {
    (apt-get update -qq && apt-get install -y -qq python3-venv) >/dev/null
    python3 -m venv "$venv"
  }
  "$venv/bin/pip" install -q --disable-pip-version-check "waba-sdk==1.1.1" >&2
fi
echo "$venv/bin/python"
