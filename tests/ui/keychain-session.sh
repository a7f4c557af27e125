#!/bin/sh
# Runs a command inside a private D-Bus session with an unlocked, throwaway gnome-keyring, as on
# a logged-in Linux desktop. HOME and the XDG directories point at a temporary directory, so the
# developer's own keyring is never touched; `timeout` keeps a stray prompter from hanging CI.
#   keychain-session.sh COMMAND [ARGS...]
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
export HOME="$tmp" XDG_DATA_HOME="$tmp/share" XDG_CONFIG_HOME="$tmp/config" \
       XDG_CACHE_HOME="$tmp/cache" XDG_RUNTIME_DIR="$tmp/run"
mkdir -p "$XDG_RUNTIME_DIR" "$XDG_DATA_HOME" "$XDG_CONFIG_HOME"
chmod 700 "$XDG_RUNTIME_DIR"
unset DISPLAY WAYLAND_DISPLAY
# The daemon must start inside the same bus session as the test, or writes fail with "locked
# collection" (see shared/background/qt-style-anchors.md §4.2).
timeout 90 dbus-run-session -- sh -c '
    printf throwaway-password | gnome-keyring-daemon --unlock --components=secrets >/dev/null
    exec "$0" "$@"' "$@"
