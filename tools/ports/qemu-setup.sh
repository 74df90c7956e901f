#!/bin/sh
# qemu-setup.sh: make this Linux machine able to run linux/arm64 and
# linux/riscv64 binaries, for `make ports-run`. Needs root (apt-get, mount,
# binfmt_misc). Each step is skipped when it is already done; a step that
# fails is reported, and `tools/ports run` then says what it could not do
# (without binfmt_misc it starts the servers as `qemu-ARCH-static SERVER`,
# and impl/multiprocess cannot start its workers).
set -u

# 1. qemu-user-static, from Debian's packages, only if it is missing.
if ! command -v qemu-aarch64-static >/dev/null 2>&1; then
	echo "qemu-setup: installing qemu-user-static (needs root and apt)"
	if [ "$(id -u)" -ne 0 ]; then
		echo "qemu-setup: not root: install qemu-user-static yourself (sudo apt-get install -y qemu-user-static)" >&2
		exit 1
	fi
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y qemu-user-static || exit 1
fi

# 2. binfmt_misc, so the kernel hands foreign binaries to qemu. Best effort:
# in a container without the right to mount it, `tools/ports run` falls back.
bm=/proc/sys/fs/binfmt_misc
if [ ! -e "$bm/register" ]; then
	mount binfmt_misc -t binfmt_misc "$bm" 2>/dev/null ||
		echo "qemu-setup: cannot mount binfmt_misc on $bm (not root, or not allowed here)" >&2
fi
for arch in aarch64 riscv64; do
	entry="$bm/qemu-$arch"
	if [ -e "$entry" ]; then
		if head -n 1 "$entry" | grep -qx disabled; then
			echo 1 >"$entry" 2>/dev/null || echo "qemu-setup: cannot enable $entry" >&2
		fi
		continue
	fi
	[ -e "$bm/register" ] || continue
	if command -v update-binfmts >/dev/null 2>&1 && update-binfmts --enable "qemu-$arch" 2>/dev/null && [ -e "$entry" ]; then
		continue
	fi
	# Debian's qemu-user-static ships the registration lines for systemd-binfmt.
	conf=/usr/lib/binfmt.d/qemu-$arch.conf
	if [ -r "$conf" ]; then
		grep -v '^#' "$conf" | grep . >"$bm/register" 2>/dev/null ||
			echo "qemu-setup: cannot register $conf with binfmt_misc" >&2
	else
		echo "qemu-setup: no $conf to register qemu-$arch with" >&2
	fi
done
for arch in aarch64 riscv64; do
	if [ -e "$bm/qemu-$arch" ]; then
		echo "qemu-setup: binfmt_misc qemu-$arch: $(head -n 1 "$bm/qemu-$arch")"
	else
		echo "qemu-setup: binfmt_misc qemu-$arch: not registered"
	fi
done
exit 0
