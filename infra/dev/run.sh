#!/usr/bin/env bash
# `make run`: the bot in development mode on 127.0.0.1:3978 with the Agents Playground on port 56150.
set -euo pipefail
cd "$(dirname "$0")/../.."
set -a; source infra/dev.env; set +a
export TEAMSAPPTESTER_BROWSER=none
# Whose screen the Playground shows: review-officer (default: can nominate and triage) or nominating-officer.
export M365_AGENTS_PLAYGROUND_CONFIG_PATH="$PWD/infra/playground/${PLAYGROUND_AS:-review-officer}.yml"
[ -f "$M365_AGENTS_PLAYGROUND_CONFIG_PATH" ] || { echo "No Playground configuration $M365_AGENTS_PLAYGROUND_CONFIG_PATH" >&2; exit 2; }

.venv/bin/python -m bot &
bot_pid=$!
trap 'kill $bot_pid $pg_pid 2>/dev/null || true' EXIT INT TERM
node_modules/.bin/agentsplayground -e "http://127.0.0.1:${PORT}/api/messages" -c msteams -p 56150 --disable-telemetry >/dev/null &
pg_pid=$!

for _ in $(seq 1 60); do
  if curl -sf "http://127.0.0.1:${PORT}/healthz" >/dev/null && curl -sf http://127.0.0.1:56150/ >/dev/null; then
    echo
    echo "Rapid Debrief is running in development mode (fictional demo tenant, no authentication)."
    echo "Open http://localhost:56150 and type 'nominate'. Press Ctrl+C to stop."
    echo "You are $(awk '/^currentUser:/{f=1} f && /^  name:/{sub(/^  name: /, ""); print; exit}' "$M365_AGENTS_PLAYGROUND_CONFIG_PATH"); PLAYGROUND_AS=nominating-officer, lead-reviewer or partner make run shows PC Jordan Ellis, DS Owen Marsh or Morgan Lee instead."
    echo "The oversight dashboard (a Teams tab; the Playground cannot show tabs) is at http://127.0.0.1:${PORT}/tab/dashboard: pick a fictional person to sign in as."
    wait -n $bot_pid $pg_pid
    exit $?
  fi
  sleep 0.5
done
echo "The bot or the Playground did not start; see the messages above." >&2
exit 1
