#!/usr/bin/env bash
# Takes the console's screenshots for docs/screenshots/ from the real app against a real
# keybraked filled by demo-server.sh, each on a fresh virtual display.
#   take-screenshots.sh BUILD_DIR OUT_DIR [SCENE...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?build directory}" && pwd)
out=$(mkdir -p "${2:?output directory}" && cd "$2" && pwd)
shot=${SCREENSHOT_TOOL:-/work/shared/tools/screenshot}
command -v xdotool >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q xdotool >/dev/null

work=$(mktemp -d)
# DEMO_SERVER=history-server.sh: two weeks of agent traffic behind today (Audit Log, Reports).
"$here/${DEMO_SERVER:-demo-server.sh}" "$build" "$work/state" >"$work/demo.log" 2>&1 &
demo=$!
trap 'kill $demo 2>/dev/null; wait $demo 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 300); do [ -s "$work/state" ] && break; sleep 0.5; done
# shellcheck disable=SC1091
source "$work/state"

# A saved production profile, as after a first sign-in (the key itself comes from the
# environment here: the throwaway keyring of each display starts empty).
mkdir -p "$work/settings"
cat >"$work/settings/keybrake-console.ini" <<INI
[General]
schemaVersion=1

[display]
timeZone=utc

[profiles]
1\\environment=production
1\\id=6f1c2a0e-0000-4000-8000-00000000acme
1\\name=acme-prod
1\\pinnedCertificateSha256=
1\\url=$KEYBRAKE_URL
size=1
last=6f1c2a0e-0000-4000-8000-00000000acme
INI

export CONSOLE="$build/bin/keybrake-console" KEYBRAKE_URL DEMO_ADMIN_KEY=$KEYBRAKE_API_KEY
unset KEYBRAKE_API_KEY
run() { # scene seconds [settings dir]
    local scene=$1 seconds=$2 settings=${3:-$work/settings}
    KEYBRAKE_CONSOLE_SETTINGS_DIR=$settings "$shot" "$out/$scene.png" "$seconds" \
        "$here/drive-console.sh" "$scene"
}
mkdir -p "$work/empty"
scenes=("${@:3}")
[ ${#scenes[@]} -gt 0 ] || scenes=(signin vault-keys key-details issue-key one-time-key)
for scene in "${scenes[@]}"; do
    case $scene in
    signin) run signin 9 "$work/empty" ;;
    vault-keys) run vault-keys 8 ;;
    vault-keys-dark)
        mkdir -p "$work/dark"
        sed 's/^timeZone=utc$/timeZone=utc\ntheme=dark/' "$work/settings/keybrake-console.ini" \
            >"$work/dark/keybrake-console.ini"
        run vault-keys-dark 8 "$work/dark" ;;
    overview) run overview 8 ;;
    key-details) run key-details 12 ;;
    issue-key) run issue-key 14 ;;
    one-time-key) run one-time-key 18 ;;
    audit-log) run audit-log 10 ;;
    reports|reports-agents|reports-runs) run "$scene" 10 ;;
    reports-dark)
        mkdir -p "$work/dark"
        sed 's/^timeZone=utc$/timeZone=utc\ntheme=dark/' "$work/settings/keybrake-console.ini" \
            >"$work/dark/keybrake-console.ini"
        run reports-dark 10 "$work/dark" ;;
    esac
done
