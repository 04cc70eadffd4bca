#!/bin/sh
# Run host unit-test binaries; each ends with "NAME: N passed, M failed".
# Prints every failure line and one total; exits non-zero if anything failed
# or a binary crashed before printing its summary.
passed=0; failed=0
for t in "$@"; do
	out=$("$t" 2>&1); rc=$?
	summary=$(printf '%s\n' "$out" | tail -n 1)
	p=$(printf '%s\n' "$summary" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
	f=$(printf '%s\n' "$summary" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
	if [ -z "$p" ]; then
		printf '%s\n' "$out" | tail -n 30
		echo "FAIL $(basename "$t"): crashed or printed no summary (exit $rc)"
		failed=$((failed + 1)); continue
	fi
	printf '%s\n' "$out" | grep -E '^(FAIL|     )' || true
	echo "host $(basename "$t"): $p passed, $f failed"
	passed=$((passed + p)); failed=$((failed + f))
	[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && { echo "FAIL $(basename "$t"): exit $rc"; failed=$((failed + 1)); }
done
echo "host: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
