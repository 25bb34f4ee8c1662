#!/usr/bin/env bash
# The .deb as a user gets it: built by scripts/package from this build tree, checked by lintian,
# desktop-file-validate and appstreamcli, installed with dpkg, then run from /usr/bin as a normal
# user (the CLI's version, a short capture from the simulator, the GUI's offscreen self-check),
# and purged: nothing of the package is left, and the user's data is.
# Needs root or passwordless sudo for dpkg; without either it fails, it does not skip.
set -euo pipefail
build="$(cd "$1" && pwd)"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=../../scripts/lib/common.sh
source "$root/scripts/lib/common.sh"

fail() {
    echo "FAIL: $*" >&2
    exit 1
}
if [ "$(id -u)" -eq 0 ]; then
    sudo_=()
elif sudo -n true 2>/dev/null; then
    sudo_=(sudo -n)
else
    fail "installing a package needs root or passwordless sudo"
fi

tmp="$(mktemp -d)"
chmod 755 "$tmp"
sim=""
cleanup() {
    if [ -n "$sim" ]; then
        kill "$sim" 2>/dev/null || true
        wait "$sim" 2>/dev/null || true
    fi
    if dpkg -s oddstap >/dev/null 2>&1; then
        "${sudo_[@]}" dpkg --purge oddstap >/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
if dpkg -s oddstap >/dev/null 2>&1; then
    fail "an oddstap package is installed already: purge it first (dpkg --purge oddstap)"
fi

# 1. Build the packages from this tree.
bash "$root/scripts/package" "$build" "$tmp/out" >"$tmp/package.log" 2>&1 || {
    cat "$tmp/package.log" >&2
    fail "scripts/package failed"
}
deb="$(ls "$tmp"/out/oddstap_*.deb)"
ls "$tmp"/out/oddstap-*.tar.gz >/dev/null || fail "no .tar.gz"
echo "package: $deb ($(du -h "$deb" | cut -f1))"
dpkg-deb --field "$deb" Depends | tr ',' '\n' | sed 's/^ */  depends: /'
for need in libqt6sql6-sqlite libqt6sql6-psql libqt6gui6 libqt6widgets6 libqt6charts6 libpq5 libsqlite3-0; do
    dpkg-deb --field "$deb" Depends | grep -q "$need" || fail "Depends lacks $need"
done

# 2. The checkers. lintian: no errors (its warnings are printed for the record).
lintian_ok=true
lintian --fail-on error --tag-display-limit 0 "$deb" >"$tmp/lintian.log" 2>&1 || lintian_ok=false
grep -v "root privileges" "$tmp/lintian.log" | sed 's/^/  lintian: /' || true
echo "  lintian: $(grep -c '^E:' "$tmp/lintian.log" || true) errors, $(grep -c '^W:' "$tmp/lintian.log" || true) warnings"
$lintian_ok || fail "lintian reports errors"
dpkg-deb -x "$deb" "$tmp/tree"
desktop="$(ls "$tmp"/tree/usr/share/applications/*.desktop)"
desktop-file-validate "$desktop" || fail "desktop-file-validate: $desktop"
# --no-net: the machine has no network; the screenshot and homepage URLs are not fetched.
appstreamcli validate --no-net --pedantic "$(ls "$tmp"/tree/usr/share/metainfo/*.metainfo.xml)" ||
    fail "appstreamcli validate"
for page in oddstap oddstap-cli; do
    man_="$tmp/tree/usr/share/man/man1/$page.1.gz"
    [ -f "$man_" ] || fail "no man page for $page"
    zcat "$man_" | grep -q '^\.SH' || fail "$page.1 has no sections"
done
zcat "$tmp/tree/usr/share/man/man1/oddstap-cli.1.gz" | grep -q '^\.SS capture' ||
    fail "oddstap-cli.1 does not describe its commands"

# 3. Install with dpkg.
"${sudo_[@]}" dpkg -i "$deb" >"$tmp/dpkg.log" 2>&1 || {
    cat "$tmp/dpkg.log" >&2
    fail "dpkg -i"
}
mapfile -t files < <(dpkg -L oddstap)
[ "$(command -v oddstap-cli)" = /usr/bin/oddstap-cli ] || fail "oddstap-cli is not /usr/bin/oddstap-cli"
[ -x /usr/bin/oddstap ] || fail "no /usr/bin/oddstap"
# The MIME type is known to the desktop (dpkg's trigger ran update-mime-database).
mime=/usr/share/mime/application/x-oddstap-capture.xml
[ -f "$mime" ] || fail "the capture MIME type is not in the MIME database ($mime)"

# 4. Run the installed programs as a normal user, with their own home (XDG directories).
home="$tmp/home"
mkdir -p "$home"
as_user=(env)
if [ "$(id -u)" -eq 0 ]; then
    chown nobody "$home"
    as_user=(runuser -u nobody -- env)
fi
# `start PROGRAM &` runs it in the background as that user: the job's process becomes the program
# (exec), so `kill $!` reaches it (runuser passes the signal on). A subshell in between would die
# alone and leave the program running.
start() { cd "$home" && exec "${as_user[@]}" HOME="$home" XDG_RUNTIME_DIR="$home" PATH=/usr/bin:/bin "$@"; }
run() { (start "$@"); }
version="$(run /usr/bin/oddstap-cli --version)"
echo "installed: $version"
grep -q "^oddstap-cli [0-9]" <<<"$version" || fail "oddstap-cli --version: $version"
port="$(free_port)"
start /usr/bin/oddstap-cli simulate --port "$port" --rate 500 >"$tmp/sim.log" 2>&1 &
sim=$!
for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
done
run /usr/bin/oddstap-cli capture --url "ws://127.0.0.1:$port" --count 500 --db "$home/feed.db" --quiet \
    --summary-json "$home/summary.json" || fail "the installed capture failed"
python3 - "$home/summary.json" <<'PY' || fail "the capture's summary"
import json, sys
s = json.load(open(sys.argv[1]))
stored = s["persisted"]["fixture_updates"] + s["persisted"]["odds"] + s["persisted"]["bets"]
assert stored >= 500, f"stored {stored} events, wanted 500"
print(f"capture: {stored} events stored")
PY
kill "$sim" 2>/dev/null || true
wait "$sim" 2>/dev/null || true
sim=""
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    fail "the simulator still listens on port $port after it was stopped"
fi
run QT_QPA_PLATFORM=offscreen /usr/bin/oddstap --self-check >"$tmp/selfcheck.log" 2>&1 || {
    cat "$tmp/selfcheck.log" >&2
    fail "the installed GUI's self-check"
}
grep -i "self-check" "$tmp/selfcheck.log" | tail -n 1
# A file manager opens a capture with `oddstap FILE` (the desktop entry's %F): it is a replay.
if out="$(run QT_QPA_PLATFORM=offscreen /usr/bin/oddstap "$home/missing.odtc" 2>&1)"; then
    fail "oddstap FILE with no such file exited 0"
fi
grep -q -- "--replay: '$home/missing.odtc' is not a file" <<<"$out" || fail "oddstap FILE is not a replay: $out"
userdata="$home/.local/share/oddstap"
[ -d "$userdata" ] || fail "the GUI kept no data under XDG_DATA_HOME ($userdata)"
before="$(find "$home" -type f | sort | xargs sha256sum)"

# 5. Purge: every file of the package is gone, its own directories too; the user's data stays.
"${sudo_[@]}" dpkg --purge oddstap >"$tmp/dpkg.log" 2>&1 || {
    cat "$tmp/dpkg.log" >&2
    fail "dpkg --purge"
}
for f in "${files[@]}"; do
    if [ -e "$f" ] && { [ ! -d "$f" ] || [[ "$f" == *oddstap* ]]; }; then
        fail "left after purge: $f"
    fi
done
[ "$(find "$home" -type f | sort | xargs sha256sum)" = "$before" ] || fail "the purge touched the user's data"
[ ! -e "$mime" ] || fail "the capture MIME type is still in the MIME database after purge"
echo "PASS: built, checked, installed, ran from /usr/bin as $( [ "$(id -u)" -eq 0 ] && echo nobody || id -un), purged (${#files[@]} paths)"
