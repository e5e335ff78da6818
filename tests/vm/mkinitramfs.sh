#!/bin/bash
# mkinitramfs.sh KERNEL PAYLOADDIR OUT.cpio.gz
#
# Builds a busybox initramfs for KERNEL (6.1, 6.12, 7.2, arm64-6.1).  Its /init
# mounts proc/sys/dev/debugfs, loads the modules that the IOMMU named on the
# kernel command line (pvfio.iommu=vtd|amdvi|virtio|smmuv3) needs on this
# kernel, runs /pvfio/guest-run if present (PAYLOADDIR is copied to /pvfio),
# prints PVFIO-GUEST-RUN-RC=<rc> and the sentinel PVFIO-GUEST-DONE, and
# powers off.  One initramfs serves every cell of its kernel.
#
# Every shared library (and the dynamic loader) needed by an ELF file in
# PAYLOADDIR is copied in, resolved recursively from the ELF NEEDED entries.
#
# Env: PVFIO_INITRD_MODULES="name ..." extra in-kernel modules (e.g.
# "vfio_pci") to put in the initramfs and load at boot, after the IOMMU ones.
# PVFIO_INITRD_BENCH_MODULES="name ...": modules put in the initramfs but
# loaded only by a benchmark boot (pvfio.bench= on the kernel command line).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

(($# == 3)) || die "usage: $0 KERNEL PAYLOADDIR OUT.cpio.gz"
kernel=$1 payload=$2 out=$3
load_kenv "$kernel"
[[ -d $payload ]] || die "no payload dir $payload"

# Modules each IOMMU kind may need, in load order.  Built-in ones are skipped;
# bool drivers (intel-iommu, amd-iommu) never appear here.
declare -A IOMMU_MODULES=(
    [vtd]=""
    [amdvi]=""
    [virtio]="virtio_pci virtio_iommu"
    [smmuv3]="arm_smmu_v3 pci_host_generic"
)
if [[ $ARCH == arm64 ]]; then
    kinds=(smmuv3) triplet=aarch64-linux-gnu machine=AArch64 busybox=$SYSROOT/bin/busybox
    libdirs=("$SYSROOT/lib/$triplet" "$SYSROOT/usr/lib/$triplet" "$SYSROOT/lib" "$SYSROOT/usr/lib" "/usr/$triplet/lib")
else
    kinds=(vtd amdvi virtio) triplet=x86_64-linux-gnu machine="X86-64" busybox=/bin/busybox
    libdirs=("/lib/$triplet" "/usr/lib/$triplet" /lib64 /usr/lib64 /lib /usr/lib)
    ensure_host_pkgs busybox-static
fi
ensure_host_pkgs cpio binutils xz-utils zstd

# The staging directory becomes the guest's /: mktemp makes it 0700, which
# would keep every non-root process out of /proc, /dev and /tmp.  It and
# everything made in it are 0755 (umask 022), whatever the caller's umask.
umask 022
stage=$(mktemp -d "${TMPDIR:-/tmp}/pvfio-initrd.XXXXXX")
trap 'rm -rf "$stage"' EXIT
chmod 0755 "$stage"
mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,root,etc/pvfio,lib/$triplet,pvfio}
cp "$busybox" "$stage/bin/busybox"
ln -s busybox "$stage/bin/sh"
mknod -m 600 "$stage/dev/console" c 5 1 2>/dev/null || log "WARNING: cannot mknod /dev/console (not root?)"

# ------------------------------------------------------------ kernel modules
moddir=$MODROOT/lib/modules/$KVER
[[ -s $moddir/modules.dep ]] || die "no $moddir/modules.dep (run fetch.sh $kernel)"
declare -A MODPATH MODDEPS BUILTIN
while IFS=: read -r path deps; do          # kernel/a/b/foo-bar.ko.xz -> foo_bar
    n=${path##*/}; n=${n%%.ko*}; MODPATH[${n//-/_}]=$path
    MODDEPS[$path]=$deps
done <"$moddir/modules.dep"
while read -r path; do
    n=${path##*/}; n=${n%%.ko*}; BUILTIN[${n//-/_}]=1
done <"$moddir/modules.builtin"

# add_module PATH LISTFILE: dependencies first, each module once per list.
declare -A INLIST
add_module() {
    local path=$1 list=$2 d
    [[ -z ${INLIST[$list:$path]:-} ]] || return 0
    INLIST[$list:$path]=1
    for d in ${MODDEPS[$path]}; do add_module "$d" "$list"; done
    local dst=/lib/modules/$KVER/${path%%.ko*}.ko
    if [[ ! -f $stage$dst ]]; then
        mkdir -p "$(dirname "$stage$dst")"
        decompress_ko "$moddir/$path" "$stage$dst"
    fi
    echo "$dst" >>"$list"
}
# add_named KIND NAME...: a module by name into /etc/pvfio/modules.KIND.
add_named() {
    local kind=$1 n list; shift
    list=$stage/etc/pvfio/modules.$kind
    touch "$list"
    for n in "$@"; do
        n=${n//-/_}
        if [[ -n ${BUILTIN[$n]:-} ]]; then
            log "  $kernel/$kind: $n is built in"
        elif [[ -n ${MODPATH[$n]:-} ]]; then
            add_module "${MODPATH[$n]}" "$list"
        else
            log "  $kernel/$kind: $n does not exist in this kernel"
            echo "$n" >>"$stage/etc/pvfio/unavailable.$kind"
        fi
    done
    [[ ! -s $list ]] || log "  $kernel/$kind: will insmod $(sed 's|.*/||' "$list" | tr '\n' ' ')"
}
for kind in "${kinds[@]}"; do
    # shellcheck disable=SC2086
    add_named "$kind" ${IOMMU_MODULES[$kind]}
done
# shellcheck disable=SC2086
[[ -z ${PVFIO_INITRD_MODULES:-} ]] || add_named extra $PVFIO_INITRD_MODULES
# shellcheck disable=SC2086
[[ -z ${PVFIO_INITRD_BENCH_MODULES:-} ]] || add_named bench $PVFIO_INITRD_BENCH_MODULES

# ------------------------------------------------------------ payload + libs
cp -a "$payload/." "$stage/pvfio/"

is_elf() { [[ -f $1 && $(head -c4 "$1" | od -An -c | tr -d ' ') == '177ELF' ]]; }
find_lib() {
    local d
    for d in "${libdirs[@]}"; do [[ -e $d/$1 ]] && { echo "$d/$1"; return 0; }; done
    return 1
}
declare -A HAVE
queue=()
while IFS= read -r -d '' f; do
    is_elf "$f" || continue
    hdr=$(readelf -h "$f")
    [[ $hdr == *Machine:*"$machine"* ]] || die "${f#"$stage"/} is not a $machine ELF file"
    queue+=("$f")
done < <(find "$stage/pvfio" -type f -print0)
nlibs=0
while ((${#queue[@]})); do
    f=${queue[0]}; queue=("${queue[@]:1}")
    interp=$(readelf -l "$f" 2>/dev/null | sed -n 's/.*Requesting program interpreter: \(.*\)\]/\1/p')
    if [[ -n $interp && -z ${HAVE[$interp]:-} ]]; then
        HAVE[$interp]=1
        src=$(find_lib "${interp##*/}") || die "dynamic loader $interp not found in: ${libdirs[*]}"
        mkdir -p "$stage${interp%/*}"
        cp -L "$src" "$stage$interp"
    fi
    for lib in $(readelf -d "$f" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
        [[ -z ${HAVE[$lib]:-} ]] || continue
        HAVE[$lib]=1
        src=$(find_lib "$lib") || die "${f#"$stage"/} needs $lib, not found in: ${libdirs[*]}"
        cp -L "$src" "$stage/lib/$triplet/$lib"
        queue+=("$stage/lib/$triplet/$lib")
        nlibs=$((nlibs + 1))
    done
done

# ------------------------------------------------------------ /init
cat >"$stage/init" <<EOF
#!/bin/sh
# pvfio test guest init (generated by tests/vm/mkinitramfs.sh for $kernel, $KVER)
/bin/busybox --install -s
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LD_LIBRARY_PATH=/lib/$triplet
EOF
cat >>"$stage/init" <<'EOF'
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp
exec </dev/console >/dev/console 2>&1
say() { echo "pvfio-init: $*"; }

iommu=$(sed -n 's/.*pvfio\.iommu=\([^ ]*\).*/\1/p' /proc/cmdline)
say "kernel $(uname -r), pvfio.iommu=${iommu:-<unset>}"
[ ! -f /etc/pvfio/unavailable.$iommu ] || say "WARNING: missing for $iommu: $(cat /etc/pvfio/unavailable.$iommu)"
lists="/etc/pvfio/modules.$iommu /etc/pvfio/modules.extra"
! grep -q 'pvfio\.bench=' /proc/cmdline || lists="$lists /etc/pvfio/modules.bench"
for list in $lists; do
    [ -f $list ] || continue
    for ko in $(cat $list); do
        m=$(basename $ko .ko | tr - _)
        [ ! -d /sys/module/$m ] || continue
        say "insmod $ko"
        insmod $ko || say "WARNING: insmod $ko failed"
    done
done

rc=none
if [ -f /pvfio/guest-run ]; then
    say "running /pvfio/guest-run"
    cd /pvfio
    if [ -x ./guest-run ]; then ./guest-run; else sh ./guest-run; fi
    rc=$?
    cd /
fi
sync
echo "PVFIO-GUEST-RUN-RC=$rc"
echo "PVFIO-GUEST-DONE"
poweroff -f
EOF
chmod 755 "$stage/init"

mkdir -p "$(dirname "$out")"
(cd "$stage" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc -R 0:0 --quiet) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
log "$out: $kernel, $(du -h "$out" | cut -f1), $nlibs shared libraries"
