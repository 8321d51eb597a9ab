#!/usr/bin/env bash
# Runs each cargo-fuzz target for a bounded time (default 60 s each) and prints executions.
# Needs cargo-fuzz (`cargo install cargo-fuzz`); on a stable toolchain RUSTC_BOOTSTRAP=1 enables
# the sanitizer flags it passes. Usage: scripts/fuzz.sh [SECONDS_PER_TARGET]
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
SECS="${1:-60}"
export RUSTC_BOOTSTRAP=1
for target in outbound_message application_settings inbound_message; do
  mkdir -p "corpus/$target"
  cargo fuzz run "$target" "corpus/$target" -- -max_total_time="$SECS" -max_len=8192 2>&1 \
    | grep -E "^#[0-9]+.*DONE|Done [0-9]+ runs|ERROR|panicked" | sed "s/^/$target: /"
done
