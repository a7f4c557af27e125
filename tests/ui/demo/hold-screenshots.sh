#!/usr/bin/env bash
# Screenshots of issue 12's console parts for docs/screenshots/, from the real app against the
# demo data of demo-server.sh:
#   held-rows   the pointer rests on the Vault Keys table while an issuer mints three keys: the
#               rows hold still and the pill says "3 new keys — show"
#   admin-keys  the Admin Keys page (admin role) with an issuer key and an on-call key
#   hold-screenshots.sh BUILD_DIR OUT_DIR [SCENE...]
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
for name in billing-issuer:issuer on-call:operator; do
    curl -sf "$KEYBRAKE_URL/v1/admin-keys" -H "Authorization: Bearer $KEYBRAKE_API_KEY" \
        -H 'Content-Type: application/json' \
        -d "{\"name\":\"${name%%:*}\",\"role\":\"${name##*:}\"}" >/dev/null
done

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
#!/usr/bin/env bash
set -euo pipefail
openbox >/dev/null 2>&1 &
sleep 1
KEYBRAKE_API_KEY=$DEMO_ADMIN_KEY "$CONSOLE" & console=$!
trap 'kill $console 2>/dev/null; exit 0' TERM INT EXIT
id=$(timeout 20 xdotool search --sync --onlyvisible --name 'Keybrake Console' | head -1)
xdotool windowfocus --sync "$id"
sleep 2
case $1 in
held-rows)
    xdotool mousemove 1000 420          # resting on a row, as a hand aiming at it
    sleep 1
    for i in 1 2 3; do
        curl -sf "$KEYBRAKE_URL/v1/keys" -H "Authorization: Bearer $DEMO_ADMIN_KEY" \
            -H 'Content-Type: application/json' -d "{\"vendor\":\"stripe\",\"daily_usd_cap\":25,
            \"allowed_endpoints\":[\"charges.create\"],\"expires_in\":\"15m\",
            \"name\":\"runaway $i\",\"agent_run_label\":\"lambda/runaway/retry-$i\"}" >/dev/null
        sleep 0.3
    done
    ;;
admin-keys) xdotool key ctrl+6 ;;
esac
wait $console
DRIVE
chmod +x "$work/drive.sh"

export CONSOLE="$build/bin/keybrake-console" DEMO_ADMIN_KEY=$KEYBRAKE_API_KEY KEYBRAKE_URL
unset KEYBRAKE_API_KEY
scenes=("${@:3}")
[ ${#scenes[@]} -gt 0 ] || scenes=(held-rows admin-keys)
for scene in "${scenes[@]}"; do
    KEYBRAKE_CONSOLE_SETTINGS_DIR=$work/settings "$shot" "$out/$scene.png" 9 "$work/drive.sh" "$scene"
done
