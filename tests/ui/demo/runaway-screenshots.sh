#!/usr/bin/env bash
# The Runs and Overview screenshots of docs/screenshots/: the demo data of demo-server.sh plus a
# runaway agent (keybrake-sim agents runaway) that charges until its cap stops it and keeps
# retrying, so the run chart shows spend climbing to the cap line and the refusals after it.
#   runaway-screenshots.sh BUILD_DIR OUT_DIR [runs|runs-dark|overview ...]
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

# One charge every 4 s: the cap (8 to 12 charges) is reached in under a minute, then the loop
# keeps trying for the rest of the two minutes and is refused each time.
KEYBRAKE_API_KEY=$KEYBRAKE_API_KEY "$build/bin/keybrake-sim" agents runaway \
    --server "$KEYBRAKE_URL" --rate 0.25 --runaway-seconds 110 --seed 7 --quiet || true

mkdir -p "$work/settings" "$work/dark"
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
sed 's/^timeZone=utc$/timeZone=utc\ntheme=dark/' "$work/settings/keybrake-console.ini" \
    >"$work/dark/keybrake-console.ini"

cat >"$work/drive.sh" <<'DRIVE'
#!/usr/bin/env bash
# Inside the screenshot tool's display: the console, then the keys a person would press.
set -euo pipefail
openbox >/dev/null 2>&1 &
sleep 1
KEYBRAKE_API_KEY=$DEMO_ADMIN_KEY "$CONSOLE" & console=$!
trap 'kill $console 2>/dev/null; exit 0' TERM INT EXIT
id=$(timeout 20 xdotool search --sync --onlyvisible --name 'Keybrake Console' | head -1)
xdotool windowfocus --sync "$id"
sleep 2
case $1 in
runs|runs-dark)
    xdotool key ctrl+3
    sleep 2
    xdotool key Return          # the run with the latest activity: the runaway
    ;;
overview) xdotool key ctrl+1 ;;
esac
wait $console
DRIVE
chmod +x "$work/drive.sh"

export CONSOLE="$build/bin/keybrake-console" DEMO_ADMIN_KEY=$KEYBRAKE_API_KEY
unset KEYBRAKE_API_KEY
scenes=("${@:3}")
[ ${#scenes[@]} -gt 0 ] || scenes=(runs overview)
for scene in "${scenes[@]}"; do
    settings=$work/settings
    [ "$scene" = runs-dark ] && settings=$work/dark
    KEYBRAKE_CONSOLE_SETTINGS_DIR=$settings "$shot" "$out/$scene.png" 10 "$work/drive.sh" "$scene"
done
