#!/bin/sh
# run.sh [CASE...]: run integration cases on their platforms, two at a time
# (the CI machine has 2 cores). Prints one line per run and a summary
# "integration: N passed, M failed".
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
[ $# -gt 0 ] || set -- tests/integration/cases/*.case
jobs=${NESTOR_TEST_JOBS:-2}
list=$(for c in "$@"; do
	platforms=""; . "$c" 2>/dev/null
	for p in ${ONLY_PLATFORM:-$platforms}; do
		case " $platforms " in *" $p "*) echo "$c $p" ;; esac
	done
done)
results=$(printf '%s\n' "$list" | xargs -P "$jobs" -L 1 sh tests/integration/run_one.sh)
printf '%s\n' "$results" | sort
p=$(printf '%s\n' "$results" | grep -c '^ok ')
f=$(printf '%s\n' "$results" | grep -c '^FAIL ')
echo "integration: $p passed, $f failed"
[ "$f" -eq 0 ]
