# shellcheck shell=bash
# Shared by scripts/run and scripts/test: package installation and small helpers.

ODDSTAP_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# Debian 12 packages, by purpose. Keep these lists exact: scripts install only what is missing.
ODDSTAP_BUILD_PACKAGES=(
    cmake ninja-build g++ pkg-config help2man
    qt6-base-dev qt6-websockets-dev qt6-charts-dev libqt6opengl6-dev
    libqt6sql6-sqlite libqt6sql6-psql libsimdjson-dev libsqlite3-dev libpq-dev libssl-dev zlib1g-dev libbz2-dev libhiredis-dev librabbitmq-dev
)
# What packaging needs: man pages from --help, dpkg-shlibdeps for Depends, and the checkers.
ODDSTAP_PACKAGE_PACKAGES=(dpkg-dev file lintian desktop-file-utils appstream shared-mime-info)
ODDSTAP_TEST_PACKAGES=(clang-format python3 python3-prometheus-client redis-server rabbitmq-server xvfb xauth postgresql openssl sqlite3 procps)

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
    wait_for_package_manager
    local wait_opt=(-o "DPkg::Lock::Timeout=${ODDSTAP_APT_WAIT_SECONDS:-600}")
    as_root env DEBIAN_FRONTEND=noninteractive apt-get "${wait_opt[@]}" update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get "${wait_opt[@]}" install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
}

# Another apt, dpkg or unattended upgrade holds the package database (a fresh machine often runs
# one at boot): wait for it, saying so, up to ODDSTAP_APT_WAIT_SECONDS (default 600), then fail
# with what to do. apt's own lock timeout covers the rest of the window after this check.
wait_for_package_manager() {
    local limit="${ODDSTAP_APT_WAIT_SECONDS:-600}" waited=0 holder
    while holder="$(pgrep -a -x 'apt|apt-get|aptitude|dpkg|unattended-upgr|packagekitd' 2>/dev/null | head -n 1)" \
        && [ -n "$holder" ]; do
        if [ "$waited" -ge "$limit" ]; then
            die "another package manager is still running after ${limit} s (${holder}); wait for it to finish, or stop it, then run this again"
        fi
        if [ $((waited % 10)) -eq 0 ]; then
            log "waiting for another package manager to finish (${holder}); ${waited}/${limit} s"
        fi
        sleep 1
        waited=$((waited + 1))
    done
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

# A throwaway PostgreSQL 15 cluster for the tests, on 127.0.0.1 with trust auth, data and socket
# under build/. initdb refuses root, so as root it runs as the postgres user.
# Sets ODDSTAP_TEST_PG_URL and ODDSTAP_TEST_PG_CTL ("<pg_ctl> -D <data>", for outage tests).
start_test_postgres() {
    local pgbin dir port run=()
    pgbin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
    [ -x "$pgbin/initdb" ] || die "PostgreSQL server binaries not found (package postgresql)"
    dir="${ODDSTAP_PG_DIR:-$ODDSTAP_ROOT/build/test-postgres}"
    if [ "$(id -u)" -eq 0 ]; then
        run=(runuser -u postgres --)
    fi
    # A server left running there (scripts/services start, an interrupted run) goes first.
    if [ -f "$dir/data/postmaster.pid" ]; then
        "${run[@]}" "$pgbin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    mkdir -p "$dir/data" "$dir/socket"
    if [ "$(id -u)" -eq 0 ]; then
        chown -R postgres:postgres "$dir"
        run=(runuser -u postgres --)
    fi
    port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    "${run[@]}" "$pgbin/initdb" -D "$dir/data" -A trust -U oddstap -E UTF8 >"$dir/initdb.log" 2>&1 \
        || die "initdb failed: $(tail -n 5 "$dir/initdb.log")"
    # In postgresql.conf, not on the command line, so that a plain `pg_ctl start` (outage tests)
    # brings the server back on the same port and socket.
    cat >>"$dir/data/postgresql.conf" <<CONF
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir/socket'
fsync = off
max_connections = 100
CONF
    "${run[@]}" "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null \
        || die "PostgreSQL did not start: $(tail -n 5 "$dir/server.log")"
    "$pgbin/createdb" -h 127.0.0.1 -p "$port" -U oddstap oddstap_test
    export ODDSTAP_TEST_PG_URL="postgresql://oddstap@127.0.0.1:$port/oddstap_test"
    export ODDSTAP_TEST_PG_CTL="${run[*]} $pgbin/pg_ctl -D $dir/data -l $dir/server.log -w -t 60"
    ODDSTAP_PG_STOP="${run[*]} $pgbin/pg_ctl -D $dir/data -m immediate -w stop"
    log "PostgreSQL test server on 127.0.0.1:$port"
}

stop_test_postgres() {
    if [ -n "${ODDSTAP_PG_STOP:-}" ]; then
        $ODDSTAP_PG_STOP >/dev/null 2>&1 || true
        ODDSTAP_PG_STOP=""
    fi
}

ODDSTAP_SERVICE_PACKAGES=(postgresql redis-server rabbitmq-server)

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Redis on 127.0.0.1 under build/services/redis: no persistence, daemonized, pid file there.
start_test_redis() {
    local dir="$ODDSTAP_ROOT/build/services/redis" port
    command -v redis-server >/dev/null || die "redis-server not found (package redis-server)"
    stop_test_redis
    rm -rf "$dir"
    mkdir -p "$dir"
    port="$(free_port)"
    redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
        --pidfile "$dir/redis.pid" --dir "$dir" --logfile "$dir/redis.log" >/dev/null \
        || die "Redis did not start: $(tail -n 5 "$dir/redis.log" 2>/dev/null)"
    local tries=0
    until redis-cli -p "$port" ping >/dev/null 2>&1; do
        tries=$((tries + 1))
        [ "$tries" -lt 100 ] || die "Redis did not answer on 127.0.0.1:$port: $(tail -n 5 "$dir/redis.log")"
        sleep 0.1
    done
    echo "$port" >"$dir/port"
    export ODDSTAP_TEST_REDIS_URL="redis://127.0.0.1:$port"
    log "Redis on 127.0.0.1:$port"
}

stop_test_redis() {
    local dir="$ODDSTAP_ROOT/build/services/redis"
    if [ -f "$dir/port" ]; then
        redis-cli -p "$(cat "$dir/port")" shutdown nosave >/dev/null 2>&1 || true
        rm -f "$dir/port"
    fi
    # One that never answered (a failed start) is still found by its pid file.
    if [ -f "$dir/redis.pid" ]; then
        kill "$(cat "$dir/redis.pid")" >/dev/null 2>&1 || true
        rm -f "$dir/redis.pid"
    fi
}

# RabbitMQ as a throwaway node on 127.0.0.1 under build/services/rabbitmq, configured entirely
# through the environment (nothing in /etc is touched).
# The Debian wrapper runs the node as the rabbitmq user: the directories are theirs.
# Its data lives under build/services/rabbitmq, unless the rabbitmq user cannot reach the checkout
# (one under /root): then under /tmp, named after the checkout so that every call finds it.
rabbitmq_dir() {
    local dir="$ODDSTAP_ROOT/build/services/rabbitmq"
    if [ "$(id -u)" -eq 0 ] && id rabbitmq >/dev/null 2>&1 && ! runuser -u rabbitmq -- test -x "$ODDSTAP_ROOT"; then
        dir="/tmp/oddstap-rabbitmq-$(printf %s "$ODDSTAP_ROOT" | cksum | cut -d' ' -f1)"
    fi
    echo "$dir"
}

rabbitmq_env() {
    local dir
    dir="$(rabbitmq_dir)"
    export RABBITMQ_NODENAME="oddstap@localhost"
    export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
    export RABBITMQ_NODE_PORT="$1"
    export RABBITMQ_DIST_PORT="$2"
    export ERL_EPMD_ADDRESS=127.0.0.1
    export ERL_EPMD_PORT="$3"
    export RABBITMQ_MNESIA_BASE="$dir/mnesia"
    export RABBITMQ_LOG_BASE="$dir/log"
    export RABBITMQ_PID_FILE="$dir/rabbitmq.pid"
    export RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins"
    export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
    export RABBITMQ_CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
}

# Debian's /usr/sbin wrappers refuse anyone but root and rabbitmq; the real scripts do not.
rabbitmq_bin() {
    if [ "$(id -u)" -eq 0 ]; then
        echo "/usr/sbin/$1"
    else
        echo "/usr/lib/rabbitmq/bin/$1"
    fi
}

start_test_rabbitmq() {
    local dir port dist epmd
    dir="$(rabbitmq_dir)"
    command -v rabbitmq-server >/dev/null || die "rabbitmq-server not found (package rabbitmq-server)"
    stop_test_rabbitmq
    rm -rf "$dir"
    mkdir -p "$dir/mnesia" "$dir/log"
    port="$(free_port)"
    dist="$(free_port)"
    epmd="$(free_port)"
    echo '[].' >"$dir/enabled_plugins" # OddsTap partitions itself: no plugin needed
    if [ "$(id -u)" -eq 0 ] && id rabbitmq >/dev/null 2>&1; then
        chown -R rabbitmq:rabbitmq "$dir"
        runuser -u rabbitmq -- test -w "$dir/mnesia" || die "the rabbitmq user cannot write to $dir"
    fi
    echo "$port $dist $epmd" >"$dir/ports"
    start_rabbitmq_node
    export ODDSTAP_TEST_AMQP_URL="amqp://guest@127.0.0.1:$port/%2f"
    export ODDSTAP_TEST_AMQP_CTL="$ODDSTAP_ROOT/scripts/lib/rabbitmq-node"
    log "RabbitMQ on 127.0.0.1:$port"
}

# Starts the node set up by start_test_rabbitmq again, on the same ports and with its data (the
# integration tests restart the broker this way, through scripts/lib/rabbitmq-node).
start_rabbitmq_node() {
    local dir port dist epmd
    dir="$(rabbitmq_dir)"
    read -r port dist epmd <"$dir/ports"
    (
        rabbitmq_env "$port" "$dist" "$epmd"
        "$(rabbitmq_bin rabbitmq-server)" -detached >"$dir/start.log" 2>&1
    ) || die "RabbitMQ did not start: $(tail -n 5 "$dir/start.log")"
    local tries=0
    until (rabbitmq_env "$port" "$dist" "$epmd" && "$(rabbitmq_bin rabbitmqctl)" -q await_startup --timeout 5) \
        >/dev/null 2>&1; do
        tries=$((tries + 1))
        [ "$tries" -lt 30 ] || die "RabbitMQ did not come up on 127.0.0.1:$port: $(tail -n 5 "$dir"/log/*.log 2>/dev/null)"
        sleep 2
    done
}

# Stops the node, keeping its data and ports for start_rabbitmq_node.
stop_rabbitmq_node() {
    local dir
    dir="$(rabbitmq_dir)"
    [ -f "$dir/ports" ] || return 0
    local port dist epmd
    read -r port dist epmd <"$dir/ports"
    (
        rabbitmq_env "$port" "$dist" "$epmd"
        "$(rabbitmq_bin rabbitmqctl)" -q stop >/dev/null 2>&1 || true
        epmd -port "$epmd" -kill >/dev/null 2>&1 || true
    )
}

# Sets off (on) or clears (off) the test node's memory alarm: RabbitMQ then stops reading from
# publishers, as a real broker short of memory does (the integration tests use it).
rabbitmq_memory_alarm() {
    local dir port dist epmd watermark
    dir="$(rabbitmq_dir)"
    read -r port dist epmd <"$dir/ports"
    case "$1" in
    on) watermark="absolute 1MB" ;;
    off) watermark="0.4" ;;
    *) die "rabbitmq_memory_alarm on|off" ;;
    esac
    (
        rabbitmq_env "$port" "$dist" "$epmd"
        # shellcheck disable=SC2086
        "$(rabbitmq_bin rabbitmqctl)" -q set_vm_memory_high_watermark $watermark >/dev/null
    )
}

stop_test_rabbitmq() {
    local dir
    dir="$(rabbitmq_dir)"
    [ -f "$dir/ports" ] || return 0
    stop_rabbitmq_node
    rm -f "$dir/ports"
}
