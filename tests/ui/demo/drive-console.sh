#!/usr/bin/env bash
# Runs the real keybrake-console and drives it with X input events (xdotool), as a person at the
# keyboard would, to one of the scenes of docs/screenshots. Meant to run inside
# /work/shared/tools/screenshot (a private X display); see take-screenshots.sh.
#   drive-console.sh SCENE    SCENE: signin | vault-keys | vault-keys-dark | overview | key-details | issue-key |
#                             one-time-key | audit-log | reports | reports-dark |
#                             reports-agents | reports-runs
# Environment: CONSOLE (the binary), KEYBRAKE_URL and DEMO_ADMIN_KEY (the demo server's), and
# KEYBRAKE_CONSOLE_SETTINGS_DIR (a profile "acme-prod" for every scene but signin).
set -euo pipefail
scene=$1
console_pid=
trap '[ -n "$console_pid" ] && kill "$console_pid" 2>/dev/null; exit 0' TERM INT EXIT

focus() { # window title pattern; gives up after 20 s rather than hang the screenshot
    local id
    id=$(timeout 20 xdotool search --sync --onlyvisible --name "$1" | head -1)
    [ -n "$id" ] || { echo "drive-console: no window named '$1'" >&2; exit 1; }
    xdotool windowfocus --sync "$id"
}

# A window manager, so windows have their frames as on a desktop.
openbox >/dev/null 2>&1 &
sleep 1

case $scene in
signin)
    "$CONSOLE" & console_pid=$!
    focus 'Connect to a Keybrake Server'
    sleep 0.5
    xdotool key alt+n && xdotool type --delay 20 'acme-prod'
    xdotool key alt+s && xdotool type --delay 10 "$KEYBRAKE_URL"
    xdotool key alt+e Down Down          # Production
    xdotool key alt+k && xdotool type --delay 5 "$DEMO_ADMIN_KEY"
    xdotool key alt+t                    # Test connection
    ;;
vault-keys|vault-keys-dark|overview|key-details|issue-key|one-time-key|audit-log|reports|reports-dark|reports-agents|reports-runs)
    KEYBRAKE_API_KEY=$DEMO_ADMIN_KEY "$CONSOLE" & console_pid=$!
    focus 'Keybrake Console'
    sleep 2
    [ "$scene" = overview ] && xdotool key ctrl+1
    [ "$scene" = audit-log ] && xdotool key ctrl+4
    case $scene in reports*) xdotool key ctrl+5 ;; esac
    [ "$scene" = reports-agents ] && sleep 1 && xdotool key alt+a
    [ "$scene" = reports-runs ] && sleep 1 && xdotool key alt+u
    if [ "$scene" = key-details ]; then
        xdotool key ctrl+f
        xdotool type --delay 20 '91c4d2aa'
        sleep 1.5
        xdotool key Return Return            # to the first match, then its details
    fi
    if [ "$scene" = issue-key ] || [ "$scene" = one-time-key ]; then
        xdotool key ctrl+n
        focus 'Issue a Vault Key'
        sleep 1
        xdotool key alt+m Home space                                   # charges.create
        xdotool key Down Down Down Down Down Down Down space           # refunds.create
        xdotool key Down Down Down Down Down Down Down space           # customers.list
        xdotool key alt+d && xdotool type --delay 20 '50'
        xdotool key alt+h                                              # 1 h
        xdotool key alt+l && xdotool type --delay 8 'lambda/billing-agent/6b1f0c1e-msg'
        xdotool key alt+n && xdotool type --delay 8 'billing agent run'
        xdotool key Tab && xdotool type --delay 8 'cus_8Q2XbV4kd1'
        if [ "$scene" = one-time-key ]; then
            xdotool key Return                 # Issue key
            focus 'Your New Vault Key'
            sleep 0.5
            xdotool key Return                 # Copy
        fi
    fi
    ;;
*)
    echo "unknown scene $scene" >&2
    exit 2
    ;;
esac
wait "$console_pid"
