#!/usr/bin/env bash
# The long crash-safety campaign: CYCLES rounds of traffic + a flaky, slow receiver + SIGKILL at a
# random moment + restart on the same data dir; then checks every acknowledged notification arrived.
# Usage: scripts/crash-campaign.sh [CYCLES]   (default 50; the test suite runs 3)
set -euo pipefail
cd "$(dirname "$0")/.."
CRASH_CYCLES="${1:-50}" cargo test --release --test api crash_campaign -- --nocapture 2>&1 | grep -E "crash campaign|test result|panicked"
