#!/usr/bin/env bash
# Takes the pages of issue 13 at the two window sizes an on-call engineer meets: a 1024x700
# laptop window and a 1600x1000 desktop, from the real console against demo-server.sh's data and a
# runaway run (keybrake-sim agents runaway), each on a fresh virtual display.
#   size-screenshots.sh BUILD_DIR OUT_DIR [SCENE...]
#   SCENE: overview | vault-keys | runs | audit-log, each taken as SCENE-1024.png and
#          SCENE-1600.png
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?build directory}" && pwd)
out=$(mkdir -p "${2:?output directory}" && cd "$2" && pwd)
shot=${SCREENSHOT_TOOL:-/work/shared/tools/screenshot}
command -v xdotool >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q xdotool >/dev/null

work=$(mktemp -d)
"$here/demo-server.sh" "$build" "$work/state" >"$work/demo.log" 2>&1 &
demo=$!
trap 'kill $demo 2>/dev/null; wait $demo 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 300); do [ -s "$work/state" ] && break; sleep 0.5; done
# shellcheck disable=SC1091
source "$work/state"

KEYBRAKE_API_KEY=$KEYBRAKE_API_KEY "$build/bin/keybrake-sim" agents runaway \
    --server "$KEYBRAKE_URL" --rate 0.25 --runaway-seconds 60 --seed 7 --quiet || true

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

cat >"$work/drive.sh" <<'DRIVE'
set -euo pipefail
openbox >/dev/null 2>&1 &
sleep 1
KEYBRAKE_API_KEY=$DEMO_ADMIN_KEY "$CONSOLE" & console=$!
trap 'kill $console 2>/dev/null; exit 0' TERM INT EXIT
id=$(timeout 20 xdotool search --sync --onlyvisible --name 'Keybrake Console' | head -1)
xdotool windowfocus --sync "$id"
xdotool windowmove --sync "$id" 0 0
xdotool windowsize --sync "$id" "$WIDTH" "$HEIGHT"
sleep 2
case $1 in
overview) xdotool key ctrl+1 ;;
vault-keys) xdotool key ctrl+2 ;;
runs)
    xdotool key ctrl+3
    sleep 2
    xdotool key Return          # the run with the latest activity: the runaway
    ;;
audit-log) xdotool key ctrl+4 ;;
esac
xdotool mousemove 5 5           # the pointer off the tables: no hold, no hover
wait $console
DRIVE
chmod +x "$work/drive.sh"

export CONSOLE="$build/bin/keybrake-console" DEMO_ADMIN_KEY=$KEYBRAKE_API_KEY
unset KEYBRAKE_API_KEY
scenes=("${@:3}")
[ ${#scenes[@]} -gt 0 ] || scenes=(overview vault-keys runs audit-log)
for scene in "${scenes[@]}"; do
    for size in 1024x700 1600x1000; do
        WIDTH=${size%x*} HEIGHT=${size#*x} KEYBRAKE_CONSOLE_SETTINGS_DIR=$work/settings \
            "$shot" "$out/$scene-${size%x*}.png" 10 "$work/drive.sh" "$scene"
    done
done
