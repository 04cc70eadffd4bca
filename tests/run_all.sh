#!/bin/sh
# run_all.sh: everything `make test` runs, in order: host unit tests, fuzz
# targets for a fixed budget, integration tests in the emulators. Ends with
# the one line "N passed, M failed" and a non-zero status on any failure.
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
total_p=0; total_f=0
add() { # add "label: N passed, M failed" lines from a log
	line=$(grep -E '^[a-z]+: [0-9]+ passed, [0-9]+ failed$' "$1" | tail -n 1)
	p=$(echo "$line" | sed -n 's/.*: \([0-9]*\) passed.*/\1/p')
	f=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed$/\1/p')
	if [ -z "$p" ]; then p=0; f=1; echo "FAIL $2: no summary line"; fi
	total_p=$((total_p + p)); total_f=$((total_f + f))
}
log=$(mktemp); trap 'rm -f "$log"' EXIT

echo "== host unit tests"
tests/run_host.sh $HOST_TEST_BINS > "$log" 2>&1; cat "$log"; add "$log" host

echo "== fuzz targets (fixed budget; 'make fuzz' runs longer)"
fp=0; ff=0
for t in $FUZZ_BINS; do
	if "$t" -runs="${FUZZ_RUNS:-100000}" -max_total_time=60 > "$log.f" 2>&1; then
		echo "ok $(basename "$t") ($(grep -Eo 'Done [0-9]+ runs' "$log.f" | head -1))"; fp=$((fp + 1))
	else
		tail -n 30 "$log.f"; echo "FAIL $(basename "$t")"; ff=$((ff + 1))
	fi
done
rm -f "$log.f"
echo "fuzz: $fp passed, $ff failed"
total_p=$((total_p + fp)); total_f=$((total_f + ff))

echo "== integration tests (QEMU SVM, Bochs VT-x, Bochs SVM)"
tests/integration/run.sh > "$log" 2>&1; cat "$log"; add "$log" integration

echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]
