#!/bin/sh
# fetch-kernel.sh [OUTDIR]: get Debian 12's own amd64 kernel package
# (linux-image-6.1.0-N-amd64, the newest N apt knows; the signed package,
# or the -unsigned one when the signed cannot be downloaded: both ship
# /boot/vmlinuz-* and the same modules) with `apt-get download`, unpack it
# with dpkg-deb -x into OUTDIR/pkg and copy the bzImage to OUTDIR/vmlinuz.
# OUTDIR defaults to build/linux. The kernel release (e.g. 6.1.0-57-amd64)
# is written to OUTDIR/kernel-release for mkinitramfs.sh.
# Idempotent: does nothing when OUTDIR/vmlinuz and the unpacked modules
# are already there (remove OUTDIR to fetch again).
set -e
out=${1:-build/linux}
fail() { echo "fetch-kernel: $*" >&2; exit 1; }

if [ -s "$out/vmlinuz" ] && [ -s "$out/kernel-release" ] &&
	[ -d "$out/pkg/lib/modules/$(cat "$out/kernel-release")" ]; then
	echo "fetch-kernel: $out/vmlinuz ($(cat "$out/kernel-release")) already there"
	exit 0
fi

command -v apt-get >/dev/null 2>&1 && command -v dpkg-deb >/dev/null 2>&1 ||
	fail "apt-get and dpkg-deb are needed (a Debian 12 machine)"

# Newest ABI number N among linux-image-6.1.0-N-amd64[-unsigned] in apt's lists.
newest_abi() {
	apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64(-unsigned)?$' 2>/dev/null |
		sed -n 's/^linux-image-6\.1\.0-\([0-9][0-9]*\)-amd64.*/\1/p' | sort -n | tail -1
}
abi=$(newest_abi)
# A fresh machine (CI) may have empty package lists: as root, fill them.
if [ -z "$abi" ] && [ "$(id -u)" = 0 ]; then
	echo "fetch-kernel: apt-get update (no kernel package in apt's lists)"
	apt-get update -q >/dev/null 2>&1 || true
	abi=$(newest_abi)
fi
[ -n "$abi" ] || fail "apt knows no linux-image-6.1.0-*-amd64 package; run as root: apt-get update (Debian 12 bookworm sources needed)"
release="6.1.0-$abi-amd64"

mkdir -p "$out/deb"
deb=$(ls "$out"/deb/linux-image-"$release"*_amd64.deb 2>/dev/null | head -1)
if [ -z "$deb" ]; then
	for p in "linux-image-$release" "linux-image-$release-unsigned"; do
		echo "fetch-kernel: apt-get download $p"
		# apt-get download writes into the current directory; as root it
		# warns that it cannot drop to the _apt user: harmless.
		if (cd "$out/deb" && apt-get download -q "$p" 2>"../apt-download.err" >/dev/null); then
			break
		fi
		echo "fetch-kernel: $p: $(tail -1 "$out/apt-download.err")" >&2
	done
	deb=$(ls "$out"/deb/linux-image-"$release"*_amd64.deb 2>/dev/null | head -1)
	[ -n "$deb" ] || fail "could not download linux-image-$release; check the network and run: apt-get update && (cd $out/deb && apt-get download linux-image-$release)"
fi

echo "fetch-kernel: unpacking $(basename "$deb")"
rm -rf "$out/pkg"
dpkg-deb -x "$deb" "$out/pkg" || fail "dpkg-deb -x $deb failed (a damaged download? remove $out/deb and run again)"
[ -s "$out/pkg/boot/vmlinuz-$release" ] || fail "$deb has no /boot/vmlinuz-$release"
[ -d "$out/pkg/lib/modules/$release" ] || fail "$deb has no /lib/modules/$release"
cp "$out/pkg/boot/vmlinuz-$release" "$out/vmlinuz"
echo "$release" > "$out/kernel-release"
echo "fetch-kernel: $out/vmlinuz is Debian's $release"
