#!/usr/bin/env bash
# Installs the real Cloud API client libraries the template (and phone-number) tests drive, pinned,
# into throwaway places, and prints where they are as shell assignments:
#   WAEMU_PYWA_PYTHON=<venv>/bin/python        (PyPI pywa in a venv)
#   WAEMU_NODE_CLIENTS_DIR=<dir>               (npm @great-detail/whatsapp under <dir>/node_modules)
# Idempotent: a second run reuses what is there. Usage: eval "$(bash scripts/cloud-clients.sh)".
set -euo pipefail
PYWA_VERSION="4.5.0"
GD_VERSION="9.2.0"
venv="${WAEMU_PYWA_VENV:-/tmp/wa-pywa-venv}"
node_dir="${WAEMU_NODE_CLIENTS_DIR_TARGET:-/tmp/wa-npm-clients}"

if ! "$venv/bin/python" -c "import pywa, sys; sys.exit(pywa.__version__ != '$PYWA_VERSION')" 2>/dev/null; then
  command -v python3 >/dev/null || (apt-get update -qq && apt-get install -y -qq python3) >/dev/null
  python3 -m venv "$venv" >/dev/null 2>&1 || {
    (apt-get update -qq && apt-get install -y -qq python3-venv) >/dev/null
    python3 -m venv "$venv"
  }
  "$venv/bin/pip" install -q --disable-pip-version-check "pywa==$PYWA_VERSION" >&2
fi

if ! [ -f "$node_dir/node_modules/@great-detail/whatsapp/package.json" ] ||
  ! grep -q "\"version\": \"$GD_VERSION\"" "$node_dir/node_modules/@great-detail/whatsapp/package.json"; then
  command -v npm >/dev/null || (apt-get update -qq && apt-get install -y -qq nodejs npm) >/dev/null
  mkdir -p "$node_dir"
  [ -f "$node_dir/package.json" ] || echo '{"name":"wa-npm-clients","private":true}' >"$node_dir/package.json"
  (cd "$node_dir" && npm install --silent --no-audit --no-fund "@great-detail/whatsapp@$GD_VERSION" >&2)
fi

echo "WAEMU_PYWA_PYTHON=$venv/bin/python"
echo "WAEMU_NODE_CLIENTS_DIR=$node_dir"
