#!/usr/bin/env bash
# The main job, end to end on the embedded local control plane (loopback, temporary files):
# plan and apply the example repository, break one config (keep-last-good), delete one
# (soft-delete), then start a run of a synced config and watch it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${DEMO_BIN:-$root/.venv-run/bin}"  # make run's venv: the runtime lock only
work="$(mktemp -d)"
token="demo-$RANDOM$RANDOM"
export ELLIPSIS_API_TOKEN="$token" ELLIPSIS_CONFIG_DIR="$work/ellipsis" XDG_STATE_HOME="$work/state"
# --port 0: the server binds a free port itself and names it in its first line.
AGENTSYNC_CONTROL_PLANE_TOKENS="$token" "$bin/agent" control-plane serve --port 0 \
  --db "$work/control-plane.db" --runner command \
  --command "sh -c 'cat >/dev/null; echo reading the repository...; echo all good'" \
  >"$work/server.log" 2>&1 &
server=$!
stop() { kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true; rm -rf "$work"; }
trap stop EXIT
# That line comes once the port is bound: from then on, connections wait for the app.
port=""
for _ in $(seq 200); do
  port=$(sed -n 's|^agentsync control plane on http://127\.0\.0\.1:\([0-9]*\) .*|\1|p' "$work/server.log")
  [ -n "$port" ] && break
  kill -0 "$server" 2>/dev/null || break
  sleep 0.05
done
if [ -z "$port" ]; then
  echo "the local control plane did not start:" >&2
  cat "$work/server.log" >&2
  exit 1
fi
export ELLIPSIS_API_BASE_URL="http://127.0.0.1:$port"

step() { printf '\n== %s\n' "$*"; }
takeaway() { printf -- '-> %s\n' "$*"; }
repo="$work/example-repo"
cp -r "$root/fixtures/example-repo" "$repo"
git() { command git -C "$repo" -c user.name=demo -c user.email=demo@example.com "$@"; }
git init -q -b main && git add -A && git commit -q -m "agents"
sync() { "$bin/agent" sync "$@" "$repo" --repository acme/example; }

step "local control plane on $ELLIPSIS_API_BASE_URL"
step "agent sync apply --yes (it prints its plan first, as agent sync plan would)"
sync apply --yes
takeaway "the repository's configs are now agents on the control plane."

step "break agents/nightly-audit.yaml (an unquoted */15 cron) and commit"
sed -i 's|schedule: "30 2 \* \* 1-5"|schedule: */15 * * * *|' "$repo/agents/nightly-audit.yaml"
git commit -q -am "break the nightly audit"
sync apply --yes || echo "(exit status $?: a config is invalid; the others still applied)"
step "agent sync status"
sync status
takeaway "a broken file never breaks its agent: the last good config stays in force, with the error."

step "delete agents/docs-helper.yaml and commit"
git rm -q agents/docs-helper.yaml && git commit -q -m "retire the docs helper"
sync apply --yes || echo "(exit status $?: the nightly audit is still invalid)"
sync status
takeaway "a removed file soft-deletes its agent (restorable); a mass delete would need --allow-mass-delete."

step "store the LINEAR_API_KEY sandbox variable the release-notes agent names (encrypted at rest)"
printf 'lin_demo_not_a_real_key' | "$bin/agent" sandbox var set LINEAR_API_KEY
"$bin/agent" sandbox var list
takeaway "values go in from stdin and never come out."

step "agent run start --config <release-notes> --watch"
config=$("$bin/agent" config list --json | "$bin/python" -c \
  'import json,sys; print(next(c["id"] for c in json.load(sys.stdin) if c["path"] == "agents/release-notes.yaml"))')
"$bin/agent" run start --config "$config" --prompt "Draft notes for the demo." --watch
step "agent run list"
"$bin/agent" run list
takeaway "runs carry their config's name, cost and outcome; agent run drives the other platforms alike."
