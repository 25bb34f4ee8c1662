# shellcheck shell=bash
# Shared by scripts/run and scripts/test: package installation and small helpers.

ODDSTAP_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# Debian 12 packages, by purpose. Keep these lists exact: scripts install only what is missing.
ODDSTAP_BUILD_PACKAGES=(
    cmake ninja-build g++ pkg-config
    qt6-base-dev qt6-websockets-dev qt6-charts-dev libqt6opengl6-dev
    libqt6sql6-sqlite libqt6sql6-psql libsimdjson-dev libsqlite3-dev
)
ODDSTAP_TEST_PACKAGES=(clang-format python3 xvfb xauth)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "need root (or sudo) to run: $*"
    fi
}

# Installs the packages that are not installed yet; says nothing when all are present.
ensure_packages() {
    local missing=() pkg
    for pkg in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
            missing+=("$pkg")
        fi
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install ${missing[*]} by hand (Debian 12 names)"
    log "installing ${#missing[@]} missing Debian package(s): ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# configure_and_build PRESET [TARGET...]
configure_and_build() {
    local preset="$1"
    shift
    cd "$ODDSTAP_ROOT"
    if [ ! -f "build/$preset/build.ninja" ]; then
        log "configuring ($preset)"
        cmake --preset "$preset" >/dev/null
    fi
    log "building ($preset)"
    if [ $# -gt 0 ]; then
        cmake --build "build/$preset" --target "$@"
    else
        cmake --build "build/$preset"
    fi
}
