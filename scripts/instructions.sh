#!/bin/bash
# Instructions the server executes per request, counted by callgrind: unlike throughput, the count
# is the same from run to run whatever else the machine is doing, so two builds compare on a
# shared, noisy machine. Needs valgrind (Debian package) and python3.
#
#   scripts/instructions.sh BINARY KIND [N]
#
# KIND: health (GET /v1/health), post (On-Prem text send to one recipient), cloud (Cloud text
# send, a new recipient each time). The server runs under callgrind with the bench's settings
# (statuses far in the future, so no webhook traffic); after 200 warm-up requests the counters are
# zeroed, N requests (default 2000) go one after the other on one keep-alive connection, and the
# total over all of the server's threads is divided by N. valgrind counts a `rep stos` byte by
# byte, so actix's 3 KB header-array memset weighs about 7,700 instructions per request here and
# far less in time; compare builds with each other, not with wall-clock figures.
set -euo pipefail
BIN=$1
KIND=$2
N=${3:-2000}
DIR=$(mktemp -d)
trap 'kill $VPID 2>/dev/null || true; rm -rf "$DIR"' EXIT
valgrind --tool=callgrind --callgrind-out-file="$DIR/cg.out" "$BIN" --data-dir "$DIR/data" \
  --https-addr 127.0.0.1:0 --log-format json --log warn,wa_onprem_emulator=info \
  --status-sent-ms 600000 --status-delivered-ms 600000 --status-read-ms 600000 \
  --cloud-access-token bench-token > /dev/null 2> "$DIR/err.log" &
VPID=$!
for _ in $(seq 600); do grep -q listening "$DIR/err.log" 2>/dev/null && break; sleep 0.1; done
PORT=$(grep listening "$DIR/err.log" | head -1 |
  python3 -c 'import sys, json; print(json.loads(sys.stdin.readline())["https"].rsplit(":", 1)[1])')
python3 - "$PORT" "$KIND" "$N" "$VPID" <<'PY'
import base64, http.client, json, ssl, subprocess, sys
port, kind, n, vpid = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
c = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=120)
def call(method, path, body=None, headers={}):
    c.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
    r = c.getresponse()
    return r.status, r.read()
basic = "Basic " + base64.b64encode(b"admin:secret").decode()
_, d = call("POST", "/v1/users/login", headers={"Authorization": basic})
h = {"Authorization": "Bearer " + json.loads(d)["users"][0]["token"], "Content-Type": "application/json"}
call("PATCH", "/v1/settings/application", {"webhooks": {"url": "https://127.0.0.1:9/hook"}}, h)
_, d = call("GET", "/v1/emulator/cloud", None, h)
numbers = json.loads(d)["cloud"]["numbers"]
numbers[0]["throughput_mps"] = 100000
call("PUT", "/v1/emulator/cloud", {"numbers": numbers}, h)
pnid = numbers[0]["phone_number_id"]
cloud = {"Authorization": "Bearer bench-token", "Content-Type": "application/json"}
def one(i):
    if kind == "health":
        return call("GET", "/v1/health", None, h)
    if kind == "post":
        return call("POST", "/v1/messages", {"to": "16315551001", "type": "text", "text": {"body": "Your order 12345 has shipped"}}, h)
    if kind == "cloud":
        return call("POST", f"/v21.0/{pnid}/messages", {"messaging_product": "whatsapp", "to": "1631%07d" % i, "type": "text", "text": {"body": "bench"}}, cloud)
    sys.exit(f"unknown kind {kind}: health, post or cloud")
for i in range(200):
    one(9_999_999 - i)
subprocess.run(["callgrind_control", "-z", vpid], check=True, capture_output=True)
for i in range(n):
    status, body = one(i)
    assert status in (200, 201), body
subprocess.run(["callgrind_control", "-d", vpid], check=True, capture_output=True)
PY
sleep 1
DUMP=$(ls -t "$DIR"/cg.out.* | head -1)
TOTAL=$(awk '/^(summary|totals):/ {print $2; exit}' "$DUMP")
python3 -c "print('$(basename "$BIN") $KIND: %d instructions per request (%d over $N)' % ($TOTAL // $N, $TOTAL))"
