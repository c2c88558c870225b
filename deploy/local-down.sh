#!/usr/bin/env bash
# Stop what deploy/local-up.sh started, and only that: nginx, the dashboard processes and the PostgreSQL
# cluster whose pids and folder it recorded in the state folder (LOCAL_DEPLOY_DIR, default data/local-deploy).
# A recorded pid is signalled only while its command line is still the one started (no stranger reusing it).
# The cluster's data is removed; the logs stay in <state>/logs.
set -uo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
STATE="${LOCAL_DEPLOY_DIR:-$ROOT/data/local-deploy}"
[ -d "$STATE" ] || { echo "local-down.sh: 没有状态目录 $STATE，无需停止"; exit 0; }
STATE="$(cd "$STATE" && pwd)"

# ours PID TEXT: the process PID is alive and its command line contains TEXT
ours() { [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' < "/proc/$1/cmdline" | grep -qF -- "$2"; }

# stop PID TEXT TARGET NAME: SIGTERM to TARGET (the pid, or -pid for its process group), SIGKILL after 10 s
stop() {
    local pid="$1" text="$2" target="$3" name="$4"
    if ! ours "$pid" "$text"; then
        echo "$name（$pid）已不在运行"
        return 0
    fi
    echo "停止 $name（$pid）"
    kill -TERM -- "$target" 2>/dev/null || true
    for _ in $(seq 1 50); do
        ours "$pid" "$text" || return 0
        sleep 0.2
    done
    echo "local-down.sh: 进程 $pid 未在 10 秒内退出，强制结束" >&2
    kill -KILL -- "$target" 2>/dev/null || true
}

if [ -s "$STATE/nginx/nginx.pid" ]; then
    pid="$(cat "$STATE/nginx/nginx.pid")"
    stop "$pid" "$STATE/nginx" "$pid" nginx  # TERM: a fast stop, the open WebSockets are not waited for
    rm -f "$STATE/nginx/nginx.pid"
fi

if [ -f "$STATE/dashboards" ]; then
    while read -r pid port; do
        [ -n "$pid" ] || continue
        stop "$pid" "--server.port $port " "-$pid" "看板进程 :$port"  # its process group (a chart export's browser too)
    done < "$STATE/dashboards"
    rm -f "$STATE/dashboards"
fi

if [ -s "$STATE/postgres.dir" ]; then
    PG_DIR="$(cat "$STATE/postgres.dir")"
    case "$PG_DIR" in
        /tmp/dashboard-pg.*|"$STATE/postgres") ;;
        *) echo "local-down.sh: 意外的数据库目录 $PG_DIR，未删除" >&2; exit 1 ;;
    esac
    if [ -f "$PG_DIR/data/postmaster.pid" ]; then
        PG_BIN="$(dirname "$(readlink -f "$(command -v pg_ctl || ls -1 /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | sort -V | tail -1)")")"
        pid="$(head -n 1 "$PG_DIR/data/postmaster.pid")"
        if [ "$(id -u)" = 0 ]; then as_pg() { runuser -u postgres -- "$@"; }; else as_pg() { "$@"; }; fi
        echo "停止 PostgreSQL（$pid）"
        as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 30 stop > /dev/null 2>&1 \
            || stop "$pid" "$PG_DIR/data" "$pid" PostgreSQL
    fi
    [ ! -f "$PG_DIR/server.log" ] || cp "$PG_DIR/server.log" "$STATE/logs/postgres.log"
    rm -rf "$PG_DIR"
    rm -f "$STATE/postgres.dir"
fi
rm -f "$STATE/dashboard.env"  # it holds the database password and the cookie secret
