#!/usr/bin/env bash
# scripts/run and scripts/test wait for another package manager instead of failing at once: a
# process named dpkg (a renamed sleep, no root needed) holds "the lock" while the wait runs.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=../../scripts/lib/common.sh
source "$root/scripts/lib/common.sh"
tmp="$(mktemp -d)"
trap 'kill "${holder:-0}" 2>/dev/null || true; rm -rf "$tmp"' EXIT
cp "$(command -v sleep)" "$tmp/dpkg"

fail() { echo "FAIL: $*" >&2; exit 1; }

# 1. The holder finishes within the limit: the wait says so and returns once it is gone.
"$tmp/dpkg" 2 &
holder=$!
start=$(date +%s)
out="$(ODDSTAP_APT_WAIT_SECONDS=30 wait_for_package_manager 2>&1)" || fail "the wait failed: $out"
elapsed=$(($(date +%s) - start))
wait "$holder" 2>/dev/null || true
[ "$elapsed" -ge 1 ] || fail "did not wait for the running dpkg (${elapsed} s)"
grep -q "waiting for another package manager to finish" <<<"$out" || fail "no message while waiting: $out"

# 2. It does not finish: a bounded wait, then an error that says what holds it and what to do.
"$tmp/dpkg" 60 &
holder=$!
if out="$( (ODDSTAP_APT_WAIT_SECONDS=2 wait_for_package_manager) 2>&1)"; then
    fail "the wait succeeded although dpkg still runs"
fi
grep -q "another package manager is still running after 2 s" <<<"$out" || fail "unclear error: $out"
grep -q "dpkg" <<<"$out" || fail "the error does not name the holder: $out"
kill "$holder"

# 3. Nothing running: no wait, no message.
out="$(ODDSTAP_APT_WAIT_SECONDS=2 wait_for_package_manager 2>&1)" || fail "waited with nothing running: $out"
[ -z "$out" ] || fail "a message with nothing running: $out"
echo "PASS: package manager wait"
