#!/bin/bash
# udev-check.sh RULES: the matching logic of udev/60-pvfio.rules without
# pvfio loaded (the host cannot load modules) and without udevd.
#
# In a private mount namespace (nothing of it reaches the host: /dev, /run,
# /etc/udev/rules.d and /lib/modules are tmpfs there), the rules are
# retargeted at a misc device the host has (/sys/class/misc/fuse stands for
# pvfio-iommufd) and `udevadm test` runs them against a fake
# /lib/modules/<release>/ per case:
#   stock      no iommufd anywhere                        -> /dev/iommu link
#   builtin    iommufd.ko in modules.builtin              -> no link
#   module     iommufd.ko.xz in modules.dep (not loaded)  -> no link
#   nomodules  no /lib/modules/<release>/                 -> no link
#   registered the kernel's misc "iommu" exists (the TEST= path pointed at
#              a misc device that does exist)             -> no link
# Every case must also parse the file without an error and apply
# MODE 0660 to the node.  bookworm's udev (252) has no `udevadm verify`
# (new in 253); `udevadm test` reports parse errors as it reads the file.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

(($# == 1)) || die "usage: $0 RULES"
rules=$(realpath "$1")
[[ $(id -u) == 0 ]] || die "run as root (unshare -m)"
command -v udevadm >/dev/null || die "no udevadm on this host"
[[ -e /sys/class/misc/fuse ]] || die "no /sys/class/misc/fuse to stand for pvfio-iommufd"

# One case, inside the namespace: prints udevadm test's output.
run_case() {
    local case=$1 src=$rules
    if [[ $case == registered ]]; then
        src=$(mktemp); sed 's|TEST!="/sys/class/misc/iommu"|TEST!="/sys/class/misc/fuse"|' "$rules" >"$src"
    fi
    # shellcheck disable=SC2016  # expands in the namespace's bash
    unshare -m bash -euc '
        rules=$1 case=$2 rel=$(uname -r)
        mount -t tmpfs tmpfs /run
        mount -t tmpfs tmpfs /dev
        mknod -m 666 /dev/null c 1 3
        mknod -m 600 /dev/fuse c 10 229
        mount -t tmpfs tmpfs /etc/udev/rules.d
        sed -e "s/KERNEL==\"pvfio-iommufd\"/KERNEL==\"fuse\"/" "$rules" >/etc/udev/rules.d/60-pvfio.rules
        mount -t tmpfs tmpfs /lib/modules
        mkdir -p "/lib/modules/$rel"
        echo kernel/drivers/iommu/intel/intel-iommu.ko >"/lib/modules/$rel/modules.builtin"
        echo "kernel/fs/fuse/fuse.ko.xz:" >"/lib/modules/$rel/modules.dep"
        case $case in
            builtin)   echo kernel/drivers/iommu/iommufd/iommufd.ko >>"/lib/modules/$rel/modules.builtin" ;;
            module)    echo "kernel/drivers/iommu/iommufd/iommufd.ko.xz:" >>"/lib/modules/$rel/modules.dep" ;;
            nomodules) rm -r "/lib/modules/$rel" ;;
        esac
        udevadm test /sys/class/misc/fuse 2>&1
        echo "MODE-NOW $(stat -c %a /dev/fuse)"
        [ -L /dev/iommu ] && echo "IOMMU-LINK $(readlink /dev/iommu)" || echo "IOMMU-LINK none"
    ' sh "$src" "$case"
    [[ $src == "$rules" ]] || rm -f "$src"
}

fail=0
for case in stock builtin module nomodules registered; do
    out=$(run_case "$case")
    if [[ $case == stock ]]; then want=fuse; else want=none; fi
    link=$(sed -n 's/^IOMMU-LINK //p' <<<"$out")
    mode=$(sed -n 's/^MODE-NOW //p' <<<"$out")
    errs=$(grep -E '60-pvfio\.rules:[0-9]+ ' <<<"$out" | grep -Eiv "Unknown group 'pvfio'|GROUP|MODE|LINK|PROGRAM|Process|Command|Starting" || true)
    if [[ $link == "$want" && $mode == 660 && -z $errs ]]; then
        echo "ok   $case: /dev/iommu link: $link, mode $mode"
    else
        echo "FAIL $case: /dev/iommu link: $link (want $want), mode $mode (want 660)${errs:+, rule messages: $errs}"
        grep -E '60-pvfio|iommu' <<<"$out" | sed 's/^/     /'
        fail=1
    fi
done
exit "$fail"
