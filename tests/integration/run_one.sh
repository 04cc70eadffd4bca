#!/bin/sh
# run_one.sh CASE PLATFORM: run one integration case on one platform and
# print "ok NAME@PLATFORM (Ns)" or "FAIL NAME@PLATFORM: why". The case file
# (tests/integration/cases/NAME.case, a shell fragment) sets:
#   platforms      where it runs (emu.sh platform names)
#   cmdline        Nestor's command line (exit=qemu|bochs is appended)
#   modules        one "FILE ARGS..." per line (FILE relative to the top)
#   expect_status  pass | fail (what Nestor must report)
#   qemu_cpu       QEMU's -cpu model (default max)
#   check()        calls want/wantnot REGEX, want_order A B, want_count N REGEX,
#                  and may test $platform
set -u
case_file=$1; platform=$2
name=$(basename "$case_file" .case)
top=$(cd "$(dirname "$0")/../.." && pwd)
out="$top/build/itest"
mkdir -p "$out"
cmdline=""; modules=""; expect_status=pass; timeout_s=120; qemu_cpu=max
check() { :; }
. "$case_file"

case $platform in bochs-*) exitkind=bochs ;; *) exitkind=qemu ;; esac
# One ISO per distinct command line + module list (a case may vary its
# modules by platform), shared by the platforms that boot the same one.
key=$(printf '%s\n%s\n%s' "$cmdline" "$exitkind" "$modules" | cksum | cut -d' ' -f1)
iso="$out/$name.$key.iso"
log="$out/$name@$platform.log"

# Build this case's ISO (once per exit kind; a lock keeps parallel runs apart).
(
	flock 9
	stale=""
	[ ! -f "$iso" ] || [ "$iso" -ot "$top/build/nestor.elf" ] || [ "$iso" -ot "$case_file" ] && stale=1
	# ...or any module file changed since (a rebuilt guest).
	for f in $(printf '%s\n' "$modules" | cut -d' ' -f1); do
		[ -n "$f" ] && [ "$iso" -ot "$top/$f" ] && stale=1
	done
	if [ -n "$stale" ]; then
		set --
		if [ -n "$modules" ]; then
			while IFS= read -r line; do
				[ -z "$line" ] && continue
				f=${line%% *}; a=${line#"$f"}; a=${a# }
				set -- "$@" "$top/$f" "$a"
			done <<MODS
$modules
MODS
		fi
		"$top/tools/mkiso.sh" "$iso.tmp" "$top/build/nestor.elf" "$cmdline exit=$exitkind" "$@" && mv "$iso.tmp" "$iso"
	fi
) 9>"$iso.lock"
[ -f "$iso" ] || { echo "FAIL $name@$platform: could not build the ISO"; exit 0; }

start=$(date +%s)
status=$(QEMU_CPU=$qemu_cpu "$top/tests/integration/emu.sh" "$platform" "$iso" "$log" "$timeout_s")
secs=$(( $(date +%s) - start ))
# The UART sends CR LF; compare lines without the CR.
tr -d '\r' < "$log" > "$log.tmp" && mv "$log.tmp" "$log"

problems=""
want() { grep -Eq -- "$1" "$log" || problems="$problems; missing /$1/"; }
wantnot() { ! grep -Eq -- "$1" "$log" || problems="$problems; unexpected /$1/"; }
# want_order A B: the first line matching A comes before the first matching B.
want_order() {
	a=$(grep -En -- "$1" "$log" | head -n 1 | cut -d: -f1)
	b=$(grep -En -- "$2" "$log" | head -n 1 | cut -d: -f1)
	[ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ] || problems="$problems; /$1/ not before /$2/"
}
# want_at_least N REGEX: N or more lines match.
want_at_least() {
	n=$(grep -Ec -- "$2" "$log")
	[ "$n" -ge "$1" ] || problems="$problems; $n lines match /$2/, expected at least $1"
}
# want_count N REGEX: exactly N lines match.
want_count() {
	n=$(grep -Ec -- "$2" "$log")
	[ "$n" -eq "$1" ] || problems="$problems; $n lines match /$2/, expected $1"
}
[ "$status" = "$expect_status" ] || problems="; ended with '$status', expected '$expect_status'"
check
if [ -z "$problems" ]; then
	echo "ok $name@$platform (${secs}s)"
else
	echo "FAIL $name@$platform:${problems#;} (log: build/itest/$name@$platform.log)"
fi
