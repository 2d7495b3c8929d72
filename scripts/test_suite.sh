#!/usr/bin/env bash
# Every tier, as `make test` runs them: the chaos tier in a pytest process of its own beside the others'.
# Why: the chaos tier spends its ~2 minutes waiting (a killed runtime coming back, Postgres restarted, Sign's retry
# back-off, jobs moving through their steps): 15 % of one core measured (user+sys 31 s over 203 s of wall clock).
# Beside the other tiers it costs the suite almost nothing. Safe to overlap: its lab has its own embedded Postgres,
# FORGE_HOME, runtime process, ports and artifact tmpfs, and it reads nothing the other tiers write.
# Arguments go to both pytest runs (e.g. -x, -k); the exit status is the worse of the two.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${VENV:-.venv}/bin
log=$(mktemp -t forge-chaos-XXXXXX.log)
trap 'rm -f "$log"' EXIT

# No cache plugin in the chaos run: .pytest_cache is the other run's (last failed, step-wise).
"$BIN/pytest" tests/chaos -p no:cacheprovider "$@" >"$log" 2>&1 &
chaos=$!
"$BIN/pytest" --ignore=tests/chaos "$@"
others=$?
echo "=== tests/chaos (ran beside the other tiers) ==="
wait "$chaos"
chaos_status=$?
cat "$log"
# pytest's 5 (no test collected) in one run is not a failure when a selection (-k, -m) matched only the other.
if ((others == 5 && chaos_status == 0)) || ((others == 0 && chaos_status == 5)); then exit 0; fi
((others != 0)) && exit "$others"
exit "$chaos_status"
