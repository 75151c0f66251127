#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Builds the guest tests of this directory as static binaries for
# `scripts/wb boot --extra FILE`, against a kernel tree (for the selftest
# harness and pidfd.h) and the uapi headers of a kernel build directory.
# pidfd_compat_test is built 32-bit (gcc -m32; gcc-multilib and
# libc6-dev-i386, installed by `scripts/wb setup`).
set -e

usage() {
	echo "usage: $0 KERNEL_TREE BUILD_DIR OUT_DIR" >&2
	echo "  KERNEL_TREE  the work tree (scripts/wb series apply prints it)" >&2
	echo "  BUILD_DIR    a build directory with usr/include (make headers)" >&2
	exit 1
}

[ $# -eq 3 ] || usage
tree=$1
build=$2
out=$3
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -f "$tree/tools/testing/selftests/kselftest_harness.h" ]; then
	echo "$tree is not a kernel tree with selftests" >&2
	exit 1
fi
if [ ! -d "$build/usr/include/linux" ]; then
	echo "$build/usr/include has no uapi headers; build the kernel first" >&2
	exit 1
fi
mkdir -p "$out"
cflags="-O2 -g -Wall -static -isystem $build/usr/include -I $tree/tools/testing/selftests -I $tree/tools/testing/selftests/pidfd"
for src in "$here"/pidfd_*_test.c; do
	name=$(basename "$src" .c)
	extra="-pthread"
	case "$name" in
	*_compat_test) extra="$extra -m32" ;;
	esac
	echo "  CC $name"
	# shellcheck disable=SC2086
	gcc $cflags $extra -o "$out/$name" "$src"
done
