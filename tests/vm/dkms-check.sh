#!/bin/bash
# DKMS round trip for one host kernel: add the checkout, build, install,
# check the installed module and its modinfo, remove, check it is gone.
# Runs on the host: builds and installs, never loads.
#
# Usage: dkms-check.sh KERNEL TOPDIR
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

k=$1 top=$2
load_kenv "$k"
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
[[ -n $ver ]] || die "no PACKAGE_VERSION in dkms.conf"

cleanup() {
	dkms remove -m pvfio -v "$ver" --all >/dev/null 2>&1 || true
	rm -rf "/usr/src/pvfio-$ver"
}
cleanup
trap cleanup EXIT

# dkms add copies the tree to /usr/src/pvfio-<ver>; copy only what is tracked
# so build products of the checkout never leak into the package.
mkdir -p "/usr/src/pvfio-$ver"
git -C "$top" ls-files -z | (cd "$top" && xargs -0 cp --parents -t "/usr/src/pvfio-$ver")
dkms add -m pvfio -v "$ver"
dkms build -m pvfio -v "$ver" -k "$KVER"
dkms install -m pvfio -v "$ver" -k "$KVER"

mod=$(find "/lib/modules/$KVER/updates" -name 'pvfio.ko*' | head -n1)
[[ -n $mod ]] || die "no pvfio.ko installed under /lib/modules/$KVER/updates"
echo "installed: $mod"
modinfo "$mod"
[[ $(modinfo -F version "$mod") == "$ver" ]] || die "version is not $ver"
[[ $(modinfo -F license "$mod") == GPL ]] || die "license is not GPL"
[[ $(modinfo -F vermagic "$mod") == "$KVER "* ]] || die "vermagic is not $KVER"
modinfo -F description "$mod" | grep -q 'I/O address spaces' || die "no description"
modinfo -F parm "$mod" | grep -q '^enable_test_ops:' || die "no enable_test_ops parameter"
modinfo -F parm "$mod" | grep -q '^dev_mode:' || die "no dev_mode parameter"
dkms status -m pvfio -v "$ver" -k "$KVER" | grep -q installed || die "dkms status is not installed"

dkms remove -m pvfio -v "$ver" --all
[[ -z $(find "/lib/modules/$KVER/updates" -name 'pvfio.ko*' 2>/dev/null) ]] || die "module still installed after dkms remove"
echo "dkms round trip for $KVER: ok"
