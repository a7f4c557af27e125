#!/usr/bin/env bash
# Like demo-server.sh, but with weeks of agent traffic behind today, for the Audit Log and
# Reports screenshots: a real keybraked and keybrake-sim vendors. First with --test-clock
# (loopback only): for each of the last DAYS days the server's clock is set to that afternoon
# and `keybrake-sim agents mixed` runs a batch of agent runs through the proxy while the clock
# ticks on. Then keybraked restarts on the same store with the real clock, and today gets a
# runaway agent and one more mixed batch, with real timestamps.
#   history-server.sh BUILD_DIR STATE_FILE [DAYS]
# Writes KEYBRAKE_URL=... and KEYBRAKE_API_KEY=... to STATE_FILE once the data is in, then runs
# until killed (it stops both servers on exit).
set -euo pipefail
build=${1:?build directory}
state=${2:?state file}
days=${3:-14}
dir=$(mktemp -d)
cleanup() { kill "${server_pid:-}" "${sim_pid:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$dir" "$dir.master.key"; }
trap cleanup EXIT INT TERM

export KEYBRAKE_STRIPE_SECRET_KEY=sk_test_keybrake_demo_0123456789abcdef
export KEYBRAKE_TWILIO_ACCOUNT_SID=AC00000000000000000000000000000001
export KEYBRAKE_TWILIO_AUTH_TOKEN=twilio_demo_token_0123456789abcdef
export KEYBRAKE_RESEND_API_KEY=re_demo_keybrake_0123456789abcdef

"$build/bin/keybrake-sim" vendors --listen 127.0.0.1:0 >"$dir/sim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 100); do grep -q "listening on" "$dir/sim.log" && break; sleep 0.1; done
sim_url=$(grep -o 'http://[0-9.:]*' "$dir/sim.log" | head -1)

start_server() { # extra keybraked flags...
    KEYBRAKE_UPSTREAM_STRIPE=$sim_url KEYBRAKE_UPSTREAM_TWILIO=$sim_url \
    KEYBRAKE_UPSTREAM_RESEND=$sim_url KEYBRAKE_MAX_DAILY_CAP_USD=1000 \
        "$build/bin/keybraked" --listen 127.0.0.1:0 --store "sqlite:$dir/keybrake.db" \
        --master-key-file "$dir.master.key" "$@" \
        >"$dir/server.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 100); do grep -q "listening on" "$dir/server.log" && break; sleep 0.1; done
    url=$(grep -o 'keybraked listening on http://[0-9.:]*' "$dir/server.log" | grep -o 'http://.*')
}
start_server --test-clock
admin=$(grep -o 'kb_[A-Za-z0-9]*' "$dir/server.log" | head -1)

clock() { # {"set": ...} or {"advance": ...}
    curl -sS -o /dev/null -X POST "$url/v1/test/clock" -H "Authorization: Bearer $admin" \
        -H 'Content-Type: application/json' -d "$1"
}
agents() { # scenario seed options...
    local scenario=$1 seed=$2; shift 2
    KEYBRAKE_API_KEY=$admin timeout 120 "$build/bin/keybrake-sim" agents "$scenario" \
        --server "$url" --seed "$seed" --quiet "$@" >>"$dir/agents.log" 2>&1 || true
}

for d in $(seq "$days" -1 1); do
    clock "{\"set\":\"$(date -u -d "$d days ago" +%Y-%m-%dT14:00:00.000Z)\"}"
    # The test clock stands still unless moved: tick it on while the agents run.
    (while :; do clock '{"advance":"7s"}'; sleep 0.2; done) &
    ticker=$!
    # Busier mid-week, as deployments are.
    agents mixed "$d" --runs $((15 + (d * 37) % 30)) --rate 10/s
    kill $ticker; wait $ticker 2>/dev/null || true
done

# Today, on the real clock.
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
start_server
# A runaway agent among ordinary ones, so the newest calls interleave.
agents runaway 101 --duration 6 &
agents mixed 100 --runs 40 --rate 8/s
wait $!

printf 'KEYBRAKE_URL=%s\nKEYBRAKE_API_KEY=%s\n' "$url" "$admin" >"$state.tmp"
mv "$state.tmp" "$state"
echo "history keybraked at $url"
wait "$server_pid"
