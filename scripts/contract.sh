#!/usr/bin/env bash
# Contract test: schemathesis (a property-based API tester, from PyPI) generates requests from
# openapi/openapi.yaml and checks a live emulator's answers against it: every phase (examples,
# coverage, fuzzing, stateful), every check, a fixed seed. Any failure fails the script.
#
#   scripts/contract.sh                    # what .ci/run does (after cargo test built the binary)
#   CONTRACT_SEED=7 scripts/contract.sh    # another seed
#   CONTRACT_VENV=/tmp/st scripts/contract.sh   # reuse a venv between local runs
#
# Settings: CONTRACT_SEED (20261201), CONTRACT_MAX_EXAMPLES (cases per operation and phase, 10),
# CONTRACT_WORKERS (2), WAEMU_BIN (target/debug/wa-onprem-emulator; built if missing).
# The tester's configuration is openapi/schemathesis.toml; the few rejections a schema cannot state
# are listed per operation, with the reason, in openapi/schemathesis_hooks.py. A new route needs
# nothing here: it is tested once it is in the spec (see "Contract test" in the README).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

SCHEMATHESIS_VERSION=4.32.5
SEED=${CONTRACT_SEED:-20261201}
MAX_EXAMPLES=${CONTRACT_MAX_EXAMPLES:-10}
WORKERS=${CONTRACT_WORKERS:-2}
BIN=${WAEMU_BIN:-${CARGO_TARGET_DIR:-target}/debug/wa-onprem-emulator}

# Operations that change what the others answer, or revoke the run's own credentials: they run
# after the main run, in these separate runs (one line each, in this order), never beside the others.
#   putRules, putTemplates: a rule can make any number invalid (sends answer 1013), registered
#     templates make template sends answer 2001/2000; updateApplicationSettings,
#     resetApplicationSettings: can remove the webhook URL (sends answer 412); reset, deleteUser:
#     wipe what the stateful phase just created. None of them touches the run's own token.
#   logout: revokes the token the run authenticates with.
#   updateUser: may change the built-in admin's password (a second admin runs it).
#   login: a new_password changes the password the next login sends.
#   setFaults: {"store": true} makes every write answer 1023 (500).
#   putCloud: replaces the Cloud numbers and access tokens the Graph operations use.
#   requestCode, registerAccount, setShards, enableTwoStep, disableTwoStep: a code request for
#     another number unregisters the business number (sends answer 1011), two-step makes a PIN required.
#   putZender, deleteZender, putSmsgateway24, deleteSmsgateway24, putRaspisms, deleteRaspisms:
#     replace or remove the gateway credentials the main run's gateway API cases use (RaspiSMS's key
#     above all: with a generated one every RaspiSMS case answers 401).
SEPARATE_RUNS=(
  "putRules putTemplates updateApplicationSettings resetApplicationSettings reset deleteUser"
  "putCloud"
  "requestCode registerAccount setShards enableTwoStep disableTwoStep"
  "putZender deleteZender putSmsgateway24 deleteSmsgateway24 putRaspisms deleteRaspisms"
  "logout"
  "updateUser"
  "login"
  "setFaults"
)

WORK=$(mktemp -d)
EMULATOR_PID=
cleanup() {
  if [ -n "$EMULATOR_PID" ]; then kill "$EMULATOR_PID" 2>/dev/null || true; wait "$EMULATOR_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

if [ ! -x "$BIN" ]; then
  echo "== cargo build (the emulator binary for the contract test)"
  cargo build --quiet --bin wa-onprem-emulator
fi

VENV=${CONTRACT_VENV:-$WORK/venv}
if [ ! -x "$VENV/bin/schemathesis" ] || ! "$VENV/bin/schemathesis" --version | grep -q "$SCHEMATHESIS_VERSION"; then
  echo "== installing schemathesis $SCHEMATHESIS_VERSION into a throwaway venv"
  # The newest Python at hand: 3.11.7's ast module failed inside schemathesis' generator
  # ("AST constructor recursion depth mismatch"); 3.13 does not.
  PYTHON=
  for py in python3.13 python3.12 "$(pyenv root 2>/dev/null)"/versions/3.1[3-9]*/bin/python3 \
            "$(pyenv root 2>/dev/null)"/versions/3.12*/bin/python3 python3; do
    if "$py" -c 'import sys, venv; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then PYTHON=$py; break; fi
  done
  if [ -z "$PYTHON" ]; then
    (apt-get update -qq && apt-get install -y -qq python3 python3-venv) >/dev/null
    PYTHON=python3
  fi
  echo "   with $("$PYTHON" --version)"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi
ST="$VENV/bin/schemathesis"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE=https://localhost:$PORT
DATA=$WORK/data
CA=$DATA/certs/ca.pem
export WAEMU_CONTRACT_API_KEY=contract-api-key-0123456789

start_emulator() {
  # Fast password hashing (logins happen per run) and a plain-HTTP webhook URL nobody listens on:
  # callbacks fail and are retried in the background, which is all the contract needs.
  "$BIN" --data-dir "$DATA" --https-addr "127.0.0.1:$PORT" --allow-http-webhooks \
    --password-hash-iterations 1000 --api-key "$WAEMU_CONTRACT_API_KEY" \
    --status-sent-ms 10 --status-delivered-ms 20 --status-read-ms 30 >"$WORK/emulator.log" 2>&1 &
  EMULATOR_PID=$!
  for _ in $(seq 100); do
    curl -fsS --cacert "$CA" "$BASE/v1/health" >/dev/null 2>&1 && return 0
    kill -0 "$EMULATOR_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "the emulator did not start:"; cat "$WORK/emulator.log"; exit 1
}

api() { # METHOD PATH [JSON]
  curl -fsS --cacert "$CA" -X "$1" "$BASE$2" -H "Authorization: Bearer $WAEMU_CONTRACT_TOKEN" \
    -H 'Content-Type: application/json' ${3:+-d "$3"} >/dev/null
}

login() { # USER PASSWORD -> token
  curl -fsS --cacert "$CA" -X POST -u "$1:$2" "$BASE/v1/users/login" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["users"][0]["token"])'
}

run_schemathesis() { # extra arguments; a hung run is stopped after 10 minutes
  timeout 600 "$ST" --config-file "$ROOT/openapi/schemathesis.toml" run "$ROOT/openapi/openapi.yaml" \
    --url "$BASE" --tls-verify "$CA" --seed "$SEED" --max-examples "$MAX_EXAMPLES" --workers "$WORKERS" \
    --checks all --no-color "$@"
}

start_emulator
export WAEMU_CONTRACT_USER=admin WAEMU_CONTRACT_PASSWORD=secret
WAEMU_CONTRACT_TOKEN=$(login admin secret); export WAEMU_CONTRACT_TOKEN
api PATCH /v1/settings/application '{"webhooks":{"url":"http://127.0.0.1:9/webhook"}}'
# The SMS gateways' own APIs: RaspiSMS with a known key (the raspismsApiKey scheme), SMSGateway24
# configured (its token is a plain parameter: generated cases carry unknown tokens).
export WAEMU_CONTRACT_RASPISMS_KEY=contract-raspisms-key
api PUT /v1/emulator/gateways/raspisms "{\"api_key\":\"$WAEMU_CONTRACT_RASPISMS_KEY\",\"webhooks\":[]}"
api PUT /v1/emulator/gateways/smsgateway24 '{"webhooks":{}}'
# The Graph routes take a Cloud access token (generated on first start, answered by GET).
WAEMU_CONTRACT_CLOUD_TOKEN=$(curl -fsS --cacert "$CA" "$BASE/v1/emulator/cloud" -H "Authorization: Bearer $WAEMU_CONTRACT_TOKEN" |
  python3 -c 'import json,sys; t=json.load(sys.stdin)["cloud"]["access_tokens"][0]; print(t if isinstance(t, str) else t["token"])')
export WAEMU_CONTRACT_CLOUD_TOKEN

started=$(date +%s)
status=0
excluded=()
for op in ${SEPARATE_RUNS[*]}; do excluded+=(--exclude-operation-id "$op"); done
echo "== schemathesis $SCHEMATHESIS_VERSION, seed $SEED: every operation but the destructive ones, all phases"
run_schemathesis --phases examples,coverage,fuzzing,stateful "${excluded[@]}" | tee "$WORK/main.txt" || status=1

for group in "${SEPARATE_RUNS[@]}"; do
  case $group in
    updateUser)
      # From here on a second admin runs them: updateUser and login may change the built-in
      # admin's password (login's own cases still log in as admin/secret, see the config).
      WAEMU_CONTRACT_TOKEN=$(login admin secret)
      api POST /v1/users '{"username":"contract-admin","password":"Contract-1!","ROLES":"ROLE_ADMIN"}'
      WAEMU_CONTRACT_TOKEN=$(login contract-admin Contract-1!) ;;
    login | setFaults) WAEMU_CONTRACT_TOKEN=$(login contract-admin Contract-1!) ;;
    *) WAEMU_CONTRACT_TOKEN=$(login admin secret) ;;
  esac
  export WAEMU_CONTRACT_TOKEN
  included=()
  for op in $group; do included+=(--include-operation-id "$op"); done
  echo "== schemathesis, seed $SEED, a separate run: $group"
  run_schemathesis --phases examples,coverage,fuzzing "${included[@]}" | tee "$WORK/run-${group%% *}.txt" || status=1
done
elapsed=$(( $(date +%s) - started ))

cases=$(grep -h -o '[0-9]* generated' "$WORK"/*.txt | awk '{n += $1} END {print n + 0}')
echo "== contract: seed $SEED, $cases generated cases, ${elapsed}s, $([ $status = 0 ] && echo 'no failures' || echo FAILED)"
exit $status
