#!/usr/bin/env bash
# Starts a real keybraked with keybrake-sim vendors as its upstreams in a throwaway directory and
# fills it with vault keys in every state the console shows (active at various utilisations,
# near cap, capped, with held spend, revoked, expired; Stripe, Twilio and Resend; blocked calls).
# Used for the screenshots in docs/screenshots/ and for trying the console by hand.
#   demo-server.sh BUILD_DIR STATE_FILE
# Writes KEYBRAKE_URL=... and KEYBRAKE_API_KEY=... to STATE_FILE once the data is in, then runs
# until killed (it stops both servers on exit).
set -euo pipefail
build=${1:?build directory}
state=${2:?state file}
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

KEYBRAKE_UPSTREAM_STRIPE=$sim_url KEYBRAKE_UPSTREAM_TWILIO=$sim_url KEYBRAKE_UPSTREAM_RESEND=$sim_url \
KEYBRAKE_MAX_DAILY_CAP_USD=1000 \
    "$build/bin/keybraked" --listen 127.0.0.1:0 --store "sqlite:$dir/keybrake.db" \
        --master-key-file "$dir.master.key" >"$dir/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do grep -q "listening on" "$dir/server.log" && break; sleep 0.1; done
url=$(grep -o 'keybraked listening on http://[0-9.:]*' "$dir/server.log" | grep -o 'http://.*')
admin=$(grep -o 'kb_[A-Za-z0-9]*' "$dir/server.log" | head -1)

api() { curl -sS -X "$1" "$url$2" -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' ${3:+-d "$3"}; }
field() { python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
issue() { # vendor cap endpoints(json array) expires label name
    api POST /v1/keys "{\"vendor\":\"$1\",\"daily_usd_cap\":$2,\"allowed_endpoints\":$3,\"expires_in\":\"$4\",\"agent_run_label\":\"$5\",\"name\":\"$6\"}"
}
charge() { # vault_key cents [extra curl args]
    local key=$1 cents=$2; shift 2
    curl -sS -o /dev/null -X POST "$url/stripe/v1/charges" -H "Authorization: Bearer $key" \
        -d "amount=$cents&currency=usd&source=tok_visa" "$@"
}
stripe_key() { # cap label name expires -> "key_id vault_key"
    issue stripe "$1" '["charges.create","customers.list","refunds.create"]' "${4:-4h}" "$2" "$3" \
        | python3 -c "import json,sys; d=json.load(sys.stdin); print(d['key_id'], d['vault_key'])"
}

# Expire first, so they have lapsed by the time the data is read.
for i in 1 2; do
    read -r _ key < <(stripe_key 25 "lambda/invoice-runner/$(printf %08x $((RANDOM*7919+i)))-msg" "invoice runner #$i" 25s)
    charge "$key" $((600 + i * 450))
done

declare -a revoke_ids
n=0
for spec in \
    "50 lambda/billing-agent/6b1f0c1e-msg billing-agent 3750" \
    "50 lambda/billing-agent/91c4d2aa-msg billing-agent 4600" \
    "20 lambda/refunds-agent/0f3e9b12-msg refunds-agent 2000" \
    "100 sqs/checkout-worker/7d2c41e0 checkout-worker 1250" \
    "200 eventbridge/nightly-reconcile/2026-11-28 nightly-reconcile 8800" \
    "10 lambda/trial-credits/a81f0c33-msg trial-credits 820" \
    "75 stepfunctions/payout-review/run-5521 payout-review 0" \
    "30 lambda/billing-agent/2bb7e9f4-msg billing-agent 900" \
    "40 sqs/dunning-retry/msg-44f1 dunning-retry 3900" \
    "15 lambda/support-refunds/c3d0aa71-msg support-refunds 300" \
    "60 lambda/quote-agent/58e1a9c2-msg quote-agent 5100" \
    "25 sqs/checkout-worker/e04b7f19 checkout-worker 1875"; do
    read -r cap label name cents <<<"$spec"
    read -r id key < <(stripe_key "$cap" "$label" "$name")
    remaining=$cents
    while [ "$remaining" -gt 0 ]; do
        step=$(( remaining > 1500 ? 1500 : remaining ))
        charge "$key" "$step"
        remaining=$((remaining - step))
    done
    n=$((n + 1))
    case $n in
        2) charge "$key" 1000 ;;                              # refused: over the cap
        4) charge "$key" 1500 -H 'X-Sim-Fault: 500' ;;       # unknown outcome: the hold stays
        5) charge "$key" 600 -H 'X-Sim-Fault: 503' ;;
        8|10) revoke_ids+=("$id") ;;
    esac
    # A call the policy refuses, so "Blocked" is not always 0.
    [ $((n % 3)) -eq 0 ] && curl -sS -o /dev/null -X POST "$url/stripe/v1/payouts" \
        -H "Authorization: Bearer $key" -d 'amount=100&currency=usd'
done

# Twilio: SMS with Basic auth (AccountSid : vault key).
for label in "lambda/sms-notify/1f9e7c20-msg" "sqs/otp-sender/msg-9931" "eventbridge/appointment-reminders/0800"; do
    read -r id key < <(issue twilio 5 '["messages.create"]' 2h "$label" "${label#*/}" \
        | python3 -c "import json,sys; d=json.load(sys.stdin); print(d['key_id'], d['vault_key'])")
    for _ in $(seq $((RANDOM % 40 + 20))); do
        curl -sS -o /dev/null -u "$KEYBRAKE_TWILIO_ACCOUNT_SID:$key" \
            "$url/twilio/2010-04-01/Accounts/$KEYBRAKE_TWILIO_ACCOUNT_SID/Messages.json" \
            --data-urlencode 'To=+15550002222' --data-urlencode 'From=+15550001111' \
            --data-urlencode 'Body=Your appointment is tomorrow at 9:00.'
    done
done

# Resend: fractions of a cent.
for label in "lambda/welcome-mailer/4c1d0b7e-msg" "sqs/receipt-mailer/msg-1207"; do
    read -r id key < <(issue resend 2 '["emails.send","emails.batch"]' 24h "$label" "${label#*/}" \
        | python3 -c "import json,sys; d=json.load(sys.stdin); print(d['key_id'], d['vault_key'])")
    for _ in $(seq $((RANDOM % 12 + 3))); do
        curl -sS -o /dev/null -X POST "$url/resend/emails" -H "Authorization: Bearer $key" \
            -H 'Content-Type: application/json' \
            -d '{"from":"hello@example.com","to":["a@example.org"],"subject":"Welcome","html":"<p>Hi</p>"}'
    done
done

for id in "${revoke_ids[@]}"; do api DELETE "/v1/keys/$id" >/dev/null; done
read -r id _ < <(stripe_key 50 "lambda/refunds-agent/d41d8cd9-msg" "refunds-agent")
api DELETE "/v1/keys/$id" >/dev/null

# Let the short-lived keys lapse.
sleep 20
printf 'KEYBRAKE_URL=%s\nKEYBRAKE_API_KEY=%s\n' "$url" "$admin" >"$state.tmp"
mv "$state.tmp" "$state"
echo "demo keybraked at $url"
wait "$server_pid"
