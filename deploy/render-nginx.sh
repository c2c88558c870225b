#!/usr/bin/env bash
# Print the nginx site for N dashboard processes: deploy/nginx/dashboard.conf.template filled in.
#
#   deploy/render-nginx.sh --ports "8501 8502" [--listen 80] [--server-name dashboard.example.gov.cn]
#                          [--access-log /var/log/nginx/dashboard.access.log] [--secure-cookie]
#                          [--max-body-mb MB] > /etc/nginx/sites-available/dashboard
#
# --ports: the processes' ports on 127.0.0.1 (dashboard@PORT.service each). --secure-cookie: the site is
# served over HTTPS, so the routing cookie gets Secure (set DASHBOARD_COOKIE_SECURE=true for the session's).
# --max-body-mb: by default the larger of desk_upload_limit_mb (read as the dashboard reads it) and
# server.maxUploadSize (.streamlit/config.toml), plus 1 MB for the multipart envelope.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"

ports="" listen="80" server_name="_" access_log="/var/log/nginx/dashboard.access.log" secure="" max_body_mb=""
while [ $# -gt 0 ]; do
    case "$1" in
        --ports) ports="$2"; shift 2 ;;
        --listen) listen="$2"; shift 2 ;;
        --server-name) server_name="$2"; shift 2 ;;
        --access-log) access_log="$2"; shift 2 ;;
        --secure-cookie) secure="; Secure"; shift ;;
        --max-body-mb) max_body_mb="$2"; shift 2 ;;
        *) echo "render-nginx.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
[ -n "$ports" ] || { echo "render-nginx.sh: --ports \"8501 8502 …\" is required" >&2; exit 2; }

if [ -z "$max_body_mb" ]; then
    max_body_mb="$(cd "$ROOT" && "$PYTHON" - <<'EOF'
import math
import tomllib

from config import settings

with open(".streamlit/config.toml", "rb") as handle:
    streamlit_limit = tomllib.load(handle).get("server", {}).get("maxUploadSize", 200)  # Streamlit's default
print(math.ceil(max(float(settings.get("desk_upload_limit_mb")), float(streamlit_limit))) + 1)
EOF
)"
fi

servers=""
for port in $ports; do
    case "$port" in (*[!0-9]*|"") echo "render-nginx.sh: not a port: $port" >&2; exit 2 ;; esac
    servers+="    server 127.0.0.1:${port} max_fails=1 fail_timeout=10s;"$'\n'
done

awk -v servers="${servers%$'\n'}" -v listen="$listen" -v name="$server_name" -v access_log="$access_log" \
    -v body="${max_body_mb}m" -v secure="$secure" '
    $0 == "{{UPSTREAM_SERVERS}}" { print servers; next }
    {
        gsub(/\{\{LISTEN\}\}/, listen); gsub(/\{\{SERVER_NAME\}\}/, name); gsub(/\{\{ACCESS_LOG\}\}/, access_log)
        gsub(/\{\{CLIENT_MAX_BODY_SIZE\}\}/, body); gsub(/\{\{ROUTE_COOKIE_SECURE\}\}/, secure)
        print
    }' "$ROOT/deploy/nginx/dashboard.conf.template"
