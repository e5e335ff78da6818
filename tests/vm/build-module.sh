#!/bin/bash
# build-module.sh KERNEL SRCDIR OUTDIR [extra make args...]
#
# Builds the out-of-tree module tree at SRCDIR (its top-level Kbuild/Makefile,
# e.g. "obj-m += module/") for KERNEL (6.1, 6.12, 7.2, arm64-6.1) with W=1,
# copies every produced *.ko to OUTDIR and the full log to OUTDIR/build.log.
# SRCDIR itself is never written: the build runs on a copy (inside the sid
# chroot for 7.2, cross-compiled for arm64-6.1).
# Fails if the build fails or if the log has any "warning:" line, unless
# PVFIO_BUILD_WARNINGS=allow (the W=2 gate: W=2 in the make args overrides
# the W=1 given before them, and kernel headers warn at W=2).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

(($# >= 3)) || die "usage: $0 KERNEL SRCDIR OUTDIR [make args...]"
kernel=$1 src=$2 out=$3; shift 3
load_kenv "$kernel"
[[ -d $src ]] || die "no source dir $src"
src=$(cd "$src" && pwd)
mkdir -p "$out"; out=$(cd "$out" && pwd)
buildlog=$out/build.log

# Copy the sources, without VCS data or stale build products.
copy_src() {
    mkdir -p "$1"
    tar -C "$src" --exclude=.git --exclude='*.o' --exclude='*.ko' --exclude='*.mod' \
        --exclude='*.mod.c' --exclude='.*.cmd' --exclude=Module.symvers --exclude=modules.order \
        -cf - . | tar -C "$1" -xf -
}

jobs=$(nproc)
start=$SECONDS
log "building $src for $kernel ($KVER, $BUILD_MODE)"
rc=0
case $BUILD_MODE in
    host|cross)
        bdir=$(mktemp -d "${TMPDIR:-/tmp}/pvfio-build.XXXXXX")
        trap 'rm -rf "$bdir"' EXIT
        copy_src "$bdir"
        margs=()
        [[ $BUILD_MODE == cross ]] && margs=(ARCH=arm64 CROSS_COMPILE="$CROSS_COMPILE")
        make -j"$jobs" -C "$KDIR" M="$bdir" W=1 "${margs[@]}" modules "$@" >"$buildlog" 2>&1 || rc=$?
        sed -i "s|$bdir|$src|g" "$buildlog"    # report paths of the real sources
        ;;
    chroot)
        # Runs in a subshell holding the chroot lock; called from an || list,
        # so set -e is off in there: failures are checked explicitly.
        build_in_chroot() {
            mkdir -p "$CHROOT/build"
            bdir=$(mktemp -d "$CHROOT/build/$kernel.XXXXXX")
            mounted=0
            trap 'rm -rf "$bdir"; if ((mounted)); then umount "$CHROOT/proc"; fi' EXIT
            copy_src "$bdir" || die "cannot copy $src into the chroot"
            # objtool needs /proc inside the chroot.
            if ! mountpoint -q "$CHROOT/proc"; then
                mount -t proc proc "$CHROOT/proc" || die "cannot mount proc in $CHROOT"
                mounted=1
            fi
            chroot "$CHROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C \
                make -j"$jobs" -C "$KDIR" M="${bdir#"$CHROOT"}" W=1 modules "$@" >"$buildlog" 2>&1 || rc=$?
            find "$bdir" -name '*.ko' -exec cp {} "$out/" \;
            return "$rc"
        }
        with_lock sid-chroot build_in_chroot "$@" || rc=$?
        ;;
    *) die "unknown BUILD_MODE $BUILD_MODE" ;;
esac
[[ $BUILD_MODE == chroot ]] || find "$bdir" -name '*.ko' -exec cp {} "$out/" \;

if ((rc)); then
    tail -n 40 "$buildlog" >&2 || true
    die "build failed for $kernel (rc=$rc); full log: $buildlog"
fi
if [[ ${PVFIO_BUILD_WARNINGS:-} != allow ]] && grep -qi 'warning:' "$buildlog"; then
    grep -i 'warning:' "$buildlog" >&2
    die "build for $kernel has warnings (W=1 must be clean); full log: $buildlog"
fi
kos=$(cd "$out" && ls -- *.ko 2>/dev/null || true)
[[ -n $kos ]] || die "build for $kernel produced no .ko; full log: $buildlog"
log "built for $kernel in $((SECONDS - start)) s: $(echo $kos) -> $out"
