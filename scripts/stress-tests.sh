#!/usr/bin/env bash
# Runs chosen tests N times in a row while stress-ng keeps the machine busy, and says how many
# passed. For tests that fail only on a loaded machine: a fix counts when they pass every time.
#
#   scripts/stress-tests.sh [-n RUNS] [--load N] [--no-stress] FILE[::NAME] ...
#
#   FILE          a test file, e.g. test/cli/cli.test.ts
#   ::NAME        only the tests whose name contains NAME (vitest -t)
#   -n RUNS       runs per test (default 20)
#   --load N      stress-ng CPU workers (default 3 per core, plus I/O and memory workers)
#   --no-stress   the same loop on a quiet machine, for comparison
#
# Logs of every run go to $STRESS_LOGS (default /tmp/loopwright-stress); the last lines of a
# failing run are printed. Installs stress-ng with apt-get when it is missing (as root).
set -uo pipefail
cd "$(dirname "$0")/.."

runs=20
load=$(($(nproc) * 3))
stress=1
specs=()
while [ $# -gt 0 ]; do
  case $1 in
    -n) runs=$2; shift 2 ;;
    --load) load=$2; shift 2 ;;
    --no-stress) stress=0; shift ;;
    -h | --help) sed -n '2,15p' "$0"; exit 0 ;;
    *) specs+=("$1"); shift ;;
  esac
done
if [ ${#specs[@]} -eq 0 ]; then
  echo "usage: $0 [-n RUNS] [--load N] [--no-stress] FILE[::NAME] ..." >&2
  exit 2
fi

say() { printf '\033[1m[stress]\033[0m %s\n' "$*"; }

if [ $stress = 1 ] && ! command -v stress-ng >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing stress-ng"
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=300 update -qq &&
      apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends stress-ng >/dev/null
  fi
  command -v stress-ng >/dev/null 2>&1 || {
    echo "stress-ng is missing: sudo apt-get install -y stress-ng (or run with --no-stress)" >&2
    exit 1
  }
fi

logs=${STRESS_LOGS:-/tmp/loopwright-stress}
mkdir -p "$logs"
export PATH="$PWD/node_modules/.bin:$PATH" # Node 24 and vitest, as `npm test` has them

stress_pid=
stop_stress() {
  if [ -n "$stress_pid" ]; then
    kill "$stress_pid" 2>/dev/null
    wait "$stress_pid" 2>/dev/null
    stress_pid=
  fi
}
trap 'stop_stress' EXIT
trap 'stop_stress; exit 130' INT TERM

if [ $stress = 1 ]; then
  # CPU hogs, plus I/O syncs and memory churn: what a busy CI runner does to timing.
  stress-ng --cpu "$load" --io 1 --vm 1 --vm-bytes 256M --timeout 0 --quiet &
  stress_pid=$!
  sleep 20 # let the load average climb before the first run
  say "stress-ng: $load CPU workers, 1 I/O, 1 memory; load average $(cut -d' ' -f1-3 /proc/loadavg)"
fi

summary=()
failed=0
for spec in "${specs[@]}"; do
  file=${spec%%::*}
  name=
  [ "$file" != "$spec" ] && name=${spec#*::}
  label=$(printf '%s' "$spec" | tr -c 'A-Za-z0-9._-' '_' | cut -c1-80)
  pass=0
  streak=0
  best=0
  times=()
  for i in $(seq 1 "$runs"); do
    log="$logs/$label.$i.log"
    start=$(date +%s)
    if [ -n "$name" ]; then
      vitest run "$file" -t "$name" >"$log" 2>&1
    else
      vitest run "$file" >"$log" 2>&1
    fi
    rc=$?
    took=$(($(date +%s) - start))
    times+=("$took")
    # A run that skipped every test proves nothing: count it as a failure.
    if [ $rc = 0 ] && sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -Eq 'Tests +[0-9]+ passed'; then
      pass=$((pass + 1))
      streak=$((streak + 1))
      [ $streak -gt $best ] && best=$streak
      say "$spec  run $i/$runs  passed  ${took}s  load $(cut -d' ' -f1 /proc/loadavg)"
    else
      streak=0
      say "$spec  run $i/$runs  FAILED  ${took}s  load $(cut -d' ' -f1 /proc/loadavg)  log: $log"
      sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '×|Error|expected|FAIL' | head -20
    fi
  done
  sorted=$(printf '%s\n' "${times[@]}" | sort -n)
  median=$(printf '%s\n' "$sorted" | sed -n "$(((runs + 1) / 2))p")
  max=$(printf '%s\n' "$sorted" | tail -n 1)
  summary+=("$(printf '%-70s %3d/%d passed, longest streak %d, median %ss, max %ss' "$spec" "$pass" "$runs" "$best" "$median" "$max")")
  [ "$pass" -eq "$runs" ] || failed=1
done

stop_stress
echo
for line in "${summary[@]}"; do echo "$line"; done
exit $failed
