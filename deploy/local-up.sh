#!/usr/bin/env bash
# Try the deployment on this machine, on the loopback only, from Debian's packages:
#   a throwaway PostgreSQL cluster → two sample counties loaded into it → N dashboard processes (serve.py), all
#   with the same cookie secret → nginx in front of them, sticky by its routing cookie (deploy/nginx/).
#
#   deploy/local-up.sh [N]          N dashboard processes, 2 by default
#   deploy/local-down.sh            stops exactly what this started (the pids recorded in the state folder)
#
# Environment: LOCAL_DEPLOY_DIR (the state folder: config, pids, logs; default data/local-deploy),
# LOCAL_DEPLOY_PORT (nginx's port on 127.0.0.1, default 8080; 0 takes a free one), LOCAL_DEPLOY_TIMEOUT
# (seconds each wait may take, default 60), PYTHON (default .venv/bin/python), NGINX (default: nginx on PATH).
# Needs: apt-get install nginx postgresql-15. As root, PostgreSQL runs as the postgres user (initdb refuses root).
#
# The last two lines printed are DASHBOARD_DB_URL=<the cluster's URL> and the dashboard's URL: add users with
#   echo '口令' | DASHBOARD_DB_URL=… .venv/bin/python -m access add-user --username U --role 管理员 --password-stdin
set -euo pipefail

N="${1:-2}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
STATE="${LOCAL_DEPLOY_DIR:-$ROOT/data/local-deploy}"
NGINX_PORT="${LOCAL_DEPLOY_PORT:-8080}"
TIMEOUT="${LOCAL_DEPLOY_TIMEOUT:-60}"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
NGINX="${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}"

fail() { echo "local-up.sh: $*" >&2; exit 1; }
case "$N" in (*[!0-9]*|""|0) fail "N must be a whole number from 1 (got: $N)" ;; esac
[ "$N" -le 16 ] || fail "N at most 16 (got: $N)"
[ -x "$NGINX" ] || fail "nginx not found (apt-get install nginx)"
[ -x "$PYTHON" ] || fail "no Python at $PYTHON (make run creates .venv, or set PYTHON)"
PG_BIN="$(dirname "$(readlink -f "$(command -v initdb || ls -1 /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -1)")")"
[ -x "$PG_BIN/initdb" ] || fail "PostgreSQL server binaries not found (apt-get install postgresql-15)"

mkdir -p "$STATE"
STATE="$(cd "$STATE" && pwd)"
case "$STATE" in (*[[:space:]\;\#\{\}]*) fail "the state folder's path may not hold spaces or ;#{} (nginx reads it): $STATE" ;; esac
for left in dashboards postgres.dir nginx/nginx.pid; do
    [ ! -e "$STATE/$left" ] || fail "$STATE already holds a running setup ($left): LOCAL_DEPLOY_DIR=$STATE deploy/local-down.sh"
done
mkdir -p "$STATE/logs" "$STATE/nginx" "$STATE/data"

up=""
cleanup() {
    if [ -z "$up" ]; then
        echo "local-up.sh: 启动失败，已停止已启动的部分；日志在 $STATE/logs/" >&2
        LOCAL_DEPLOY_DIR="$STATE" "$ROOT/deploy/local-down.sh" >&2 || true
    fi
}
trap cleanup EXIT
trap 'echo "local-up.sh: 第 $LINENO 行的命令失败（日志在 $STATE/logs/）" >&2' ERR

# Wait (bounded) until URL answers 200; stop early when the process PID (if given) has exited.
wait_http() {
    "$PYTHON" - "$1" "${2:-}" "$TIMEOUT" <<'EOF'
import os, sys, time, urllib.request
url, pid, timeout = sys.argv[1], sys.argv[2], float(sys.argv[3])
deadline = time.monotonic() + timeout
while time.monotonic() < deadline:
    if pid:
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            sys.exit(f"local-up.sh: process {pid} exited before {url} answered")
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            if response.status == 200:
                sys.exit(0)
    except OSError:
        pass
    time.sleep(0.2)
sys.exit(f"local-up.sh: {url} did not answer within {timeout:.0f} s")
EOF
}

# free ports on the loopback: PostgreSQL's, the N processes', and nginx's when LOCAL_DEPLOY_PORT=0
read -r -a PORTS <<< "$("$PYTHON" - "$((N + 2))" <<'EOF'
import socket, sys
sockets = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in sockets:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in sockets))
EOF
)"
PG_PORT="${PORTS[0]}"
APP_PORTS=("${PORTS[@]:1:$N}")
[ "$NGINX_PORT" != 0 ] || NGINX_PORT="${PORTS[$((N + 1))]}"
secret() { "$PYTHON" -c 'import secrets; print(secrets.token_hex(24))'; }

# --- PostgreSQL: a throwaway cluster, password authentication, listening on 127.0.0.1 only --------------
if [ "$(id -u)" = 0 ]; then
    PG_DIR="$(mktemp -d /tmp/dashboard-pg.XXXXXX)"  # the postgres user must reach it: not under a root-only folder
    chown postgres:postgres "$PG_DIR"
    as_pg() { runuser -u postgres -- "$@"; }
else
    PG_DIR="$STATE/postgres"
    mkdir -p "$PG_DIR"
    as_pg() { "$@"; }
fi
chmod 700 "$PG_DIR"
echo "$PG_DIR" > "$STATE/postgres.dir"
SUPERUSER_PASSWORD="$(secret)"
DASH_PASSWORD="$(secret)"
(umask 077; echo "$SUPERUSER_PASSWORD" > "$PG_DIR/pwfile")
[ "$(id -u)" != 0 ] || chown postgres:postgres "$PG_DIR/pwfile"
echo "PostgreSQL：初始化临时集群（$PG_DIR，端口 $PG_PORT）"
as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" --auth=scram-sha-256 --username=postgres --pwfile="$PG_DIR/pwfile" \
    --encoding=UTF8 --locale=C.UTF-8 > "$STATE/logs/initdb.log" 2>&1
rm -f "$PG_DIR/pwfile"
as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t "$TIMEOUT" \
    -o "-h 127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start > "$STATE/logs/pg_ctl.log" 2>&1  # throwaway data: no flushing to disk
PGPASSWORD="$SUPERUSER_PASSWORD" "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -q \
    -v ON_ERROR_STOP=1 -c "CREATE ROLE dash LOGIN PASSWORD '$DASH_PASSWORD'" -c "CREATE DATABASE county OWNER dash" \
    > "$STATE/logs/createdb.log" 2>&1
DB_URL="postgresql+psycopg://dash:${DASH_PASSWORD}@127.0.0.1:${PG_PORT}/county"

# --- what every process reads, as systemd's EnvironmentFile would give it: the same cookie secret for all ------
(umask 077; cat > "$STATE/dashboard.env" <<EOF
DASHBOARD_DB_URL=$DB_URL
STREAMLIT_SERVER_COOKIE_SECRET=$(secret)
DASHBOARD_DATA_DIR=$STATE/data
EOF
)
set -a
# shellcheck source=/dev/null
. "$STATE/dashboard.env"
set +a

# --- the schema: migrations own it (an empty database gets every revision) --------------------------------------
"$PYTHON" -m warehouse upgrade > "$STATE/logs/upgrade.log" 2>&1 \
    || { tail -n 3 "$STATE/logs/upgrade.log" >&2; fail "仓库结构升级失败，见 $STATE/logs/upgrade.log"; }

# --- N dashboard processes, each its own session (its pid is its process group), started before the load ---------
: > "$STATE/dashboards"
for port in "${APP_PORTS[@]}"; do
    setsid "$PYTHON" -m streamlit run serve.py --server.port "$port" --server.address 127.0.0.1 \
        --server.headless true --server.fileWatcherType none --browser.gatherUsageStats false \
        < /dev/null > "$STATE/logs/dashboard-$port.log" 2>&1 &
    echo "$! $port" >> "$STATE/dashboards"
done
echo "看板：已启动 $N 个进程（端口 ${APP_PORTS[*]}）"

# --- two counties: 示范县 (990101) from sample_data/, and a second one (990102, 基准001县) from the sample generator ---
# The generator writes its benchmark counties two to a file (990101 and 990102; its 990101 is not sample_data's),
# so only the second county's rows are kept, and they load with --county: its township names are 示范县's too and
# resolve within that county. Any later load into this warehouse needs --county as well (a name is ambiguous).
SECOND_COUNTY=990102
echo "数据：载入两个县的样例（示范县 990101：sample_data/；基准001县 $SECOND_COUNTY：样例生成器）"
{
    "$PYTHON" -m data_pipeline load sample_data/ledgers
    "$PYTHON" -m geo load-boundaries sample_data/boundaries/townships.geojson --level township
    "$PYTHON" -m geo load-boundaries sample_data/boundaries/villages.geojson --level village
    rm -rf "$STATE/second-county"
    "$PYTHON" -m data_pipeline sample --counties 2 --out "$STATE/second-county/generated"
    "$PYTHON" - "$STATE/second-county" "$SECOND_COUNTY" <<'EOF'
import csv, json, sys
from pathlib import Path
folder, county = Path(sys.argv[1]), sys.argv[2]
def ours(values):  # a row or a shape of the county: some code or number of it (990102…, 990102-XS-…)
    return any(str(value).startswith(county) for value in values)
for kind in ("ledgers", "boundaries"):
    (folder / kind).mkdir(parents=True)
for source in sorted((folder / "generated" / "ledgers").glob("*.csv")):
    with open(source, encoding="utf-8", newline="") as rows, \
            open(folder / "ledgers" / source.name, "w", encoding="utf-8", newline="") as kept:
        reader, writer = csv.reader(rows), csv.writer(kept)
        writer.writerow(next(reader))
        writer.writerows(row for row in reader if ours(row))
for source in sorted((folder / "generated" / "boundaries").glob("*.geojson")):
    shapes = json.loads(source.read_text(encoding="utf-8"))
    shapes["features"] = [shape for shape in shapes["features"] if ours(shape["properties"].values())]
    (folder / "boundaries" / source.name).write_text(json.dumps(shapes, ensure_ascii=False), encoding="utf-8")
EOF
    "$PYTHON" -m data_pipeline load "$STATE/second-county/ledgers" --county "$SECOND_COUNTY"
    "$PYTHON" -m geo load-boundaries "$STATE/second-county/boundaries/townships.geojson" --level township
    "$PYTHON" -m geo load-boundaries "$STATE/second-county/boundaries/villages.geojson" --level village
} > "$STATE/logs/load.log" 2>&1 || { tail -n 5 "$STATE/logs/load.log" >&2; fail "载入样例失败，见 $STATE/logs/load.log"; }

while read -r pid port; do
    wait_http "http://127.0.0.1:$port/_stcore/health" "$pid"
done < "$STATE/dashboards"

# --- nginx: its own configuration, pid, logs and temporary files in the state folder -------------------------
"$ROOT/deploy/render-nginx.sh" --ports "${APP_PORTS[*]}" --listen "127.0.0.1:$NGINX_PORT" --server-name 127.0.0.1 \
    --access-log "$STATE/logs/nginx-access.log" > "$STATE/nginx/dashboard.conf"
sed "s#{{STATE}}#$STATE#g" "$ROOT/deploy/nginx/local.conf.template" > "$STATE/nginx/nginx.conf"
NGINX_ARGS=(-p "$STATE/nginx" -c "$STATE/nginx/nginx.conf" -e "$STATE/logs/nginx-error.log")
"$NGINX" -t -q "${NGINX_ARGS[@]}"
"$NGINX" "${NGINX_ARGS[@]}"  # forks its master, which writes nginx/nginx.pid
wait_http "http://127.0.0.1:$NGINX_PORT/_stcore/health"
[ -s "$STATE/nginx/nginx.pid" ] || fail "nginx wrote no pid file"

up=1
echo "nginx：http://127.0.0.1:$NGINX_PORT/ → ${N} 个进程，按路由 Cookie 粘滞；状态与日志在 $STATE"
echo "停止：LOCAL_DEPLOY_DIR=$STATE deploy/local-down.sh"
echo "DASHBOARD_DB_URL=$DB_URL"
echo "http://127.0.0.1:$NGINX_PORT/"
