#!/bin/sh
# make dist-test: the built application, on a virtual screen, must run its maintenance commands,
# reach the log-in window and load the alarm sound (acudesk --smoke-test). It runs outside the
# checkout, so nothing there can stand in for the bundle. Where PulseAudio is installed (Debian
# package pulseaudio) a private server with a null sink stands in for a loudspeaker, and the
# alarm must also play; without it the sound file must load.
set -eu
app=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
cli=$(dirname "$app")/acudesk-cli
command -v xvfb-run >/dev/null || { echo "xvfb-run is missing: apt-get install xvfb xauth"; exit 1; }
work=$(mktemp -d /tmp/acudesk-dist-test.XXXXXX)
pulse=""
cleanup() { [ -z "$pulse" ] || kill "$pulse" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
cd "$work"
unset QT_QPA_PLATFORM PYTHONPATH ACUDESK_DATABASE_URL PULSE_SERVER
export XDG_DATA_HOME="$work/data" XDG_RUNTIME_DIR="$work/run" HOME="$work"
mkdir -m 700 "$XDG_RUNTIME_DIR"
url="sqlite:///$work/clinic.sqlite3"

"$cli" db upgrade --database-url "$url"
"$cli" audit verify --database-url "$url"

if command -v pulseaudio >/dev/null; then
    pulseaudio --daemonize=no --exit-idle-time=-1 -n --use-pid-file=no \
        --load=module-native-protocol-unix --load="module-null-sink sink_name=room" \
        >"$work/pulse.log" 2>&1 &
    pulse=$!
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        [ -S "$XDG_RUNTIME_DIR/pulse/native" ] && break
        sleep 0.5
    done
    echo "dist-test: a PulseAudio null sink stands in for the loudspeaker"
else
    echo "dist-test: no PulseAudio here: the alarm sound must load, it cannot play"
fi

xvfb-run -a -s "-screen 0 1366x768x24" "$app" --demo --smoke-test >"$work/out" 2>"$work/err" || {
    cat "$work/out" "$work/err"; echo "dist-test: FAILED"; exit 1; }
cat "$work/out"
grep -q "^smoke: acudesk from .* (frozen)$" "$work/out"
grep -q "^smoke: log-in screen shown: Log in to AcuDesk$" "$work/out"
[ -z "$pulse" ] || grep -q "^smoke: alarm sound playing$" "$work/out"
grep -q "^smoke: passed$" "$work/out"
echo "dist-test: passed"
