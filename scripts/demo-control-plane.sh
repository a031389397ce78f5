#!/usr/bin/env bash
# The local control plane, driven with `agent run` the way a CI job would: start the server on a
# free loopback port, sync one config, start a run and watch it, list runs, stop the server.
set -euo pipefail
bin="$(cd "$(dirname "$0")/.." && pwd)/.venv/bin"
port=$("$bin/python" -c 'from agentsync.controlplane.server import free_port; print(free_port())')
token="demo-$RANDOM$RANDOM"
export ELLIPSIS_API_BASE_URL="http://127.0.0.1:$port" ELLIPSIS_API_TOKEN="$token"
export ELLIPSIS_CONFIG_DIR="$(mktemp -d)"
AGENTSYNC_CONTROL_PLANE_TOKENS="$token" "$bin/agent" control-plane serve --port "$port" \
  --runner command --command "sh -c 'while read -r line; do :; done; echo reviewing...; echo done'" \
  >"$ELLIPSIS_CONFIG_DIR/server.log" 2>&1 &
server=$!
stop() { kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true; rm -rf "$ELLIPSIS_CONFIG_DIR"; }
trap stop EXIT
for _ in $(seq 100); do
  "$bin/python" -c "import httpx,sys; httpx.get('$ELLIPSIS_API_BASE_URL/agents/schema')" \
    2>/dev/null && break
  sleep 0.1
done
echo "== local control plane on $ELLIPSIS_API_BASE_URL"
echo "== agent run start --template welcome-to-ellipsis --watch"
"$bin/agent" run start --template welcome-to-ellipsis --prompt "Say hi to the demo." \
  --metadata trigger=make-run --watch
echo "== agent run list"
"$bin/agent" run list
