#!/bin/bash
# The Debian packages on a clean bookworm root: `make deb` (lintian-clean),
# then in a fresh copy of a debootstrapped root (cached) with the 6.1 and
# 6.12 headers the harness uses: install pvfio-dkms, see DKMS build and
# install pvfio.ko for both kernels, its modinfo, the pvfio group and the
# udev rule; purge it and see everything gone (the group stays: Debian
# keeps system groups on purge); install pvfio-dev and build a C and a C++
# program against <pvfio/pvfio.h> with -Wall -Werror.
# Runs on the host as root: builds and installs in the chroot, never loads.
#
# Cache ($PVFIO_CACHE/deb-root/):
#   base.tar, base.key   debootstrap --variant=minbase of bookworm plus the
#                        host's bookworm apt sources, rebuilt when the mirror,
#                        the sources or debootstrap change
#   archives/            apt's downloads, shared by every run's chroot
#
# Usage: deb-check.sh [TOPDIR]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

top=${1:-$(cd "$PVFIO_VM_DIR/../.." && pwd)}
[[ $(id -u) == 0 ]] || die "run as root (debootstrap, chroot)"
ensure_host_pkgs debootstrap debian-archive-keyring dpkg-dev debhelper dh-dkms lintian fakeroot git make

load_kenv 6.1;  k61=$KVER
load_kenv 6.12; k612=$KVER
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
[[ -n $ver ]] || die "no PACKAGE_VERSION in dkms.conf"

DR=$PVFIO_CACHE/deb-root
mkdir -p "$DR/archives/partial"
t_all=$SECONDS
step() { log "[$((SECONDS - t_all))s] $*"; }

# The host's Debian repositories, as tests/vm/fetch.sh finds them
# (debian_mirror there): "URI SUITE" for the codename and its -updates and
# -security suites.  PVFIO_MIRROR replaces the main archive's URI.
codename=$(. /etc/os-release; echo "$VERSION_CODENAME")
[[ $codename == bookworm ]] || die "this check builds a bookworm root on a bookworm host (host: $codename)"
repos=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 'Created-By: Packages' \
	| awk -v cn="$codename" '$2 == cn || index($2, cn "-") == 1' | sort -u)
mirror=${PVFIO_MIRROR:-$(awk -v cn="$codename" '$2 == cn {print $1; exit}' <<<"$repos")}
[[ -n $mirror ]] || die "cannot find the host's Debian mirror in its apt sources (set PVFIO_MIRROR)"
sources=$(awk -v m="$mirror" -v cn="$codename" '{ print "deb " ($2 == cn ? m : $1) " " $2 " main" }' <<<"$repos")
grep -q -- "-security main" <<<"$sources" || die "no ${codename}-security in the host's apt sources (6.12 headers live there)"

work=$(mktemp -d "$DR/run.XXXXXX")
root=$work/root
# The root lives in memory (about 1.5 GiB at its largest): dpkg unpacks two
# header trees into it, and nothing of it outlives the run.
mount -t tmpfs -o size=4g,mode=0755 pvfio-deb-root "$work"
umount_root() {
	local m
	# Deepest first; lazily, so a busy mount never keeps the rest mounted.
	for m in $(findmnt -rn -o TARGET | grep -F "$work/" | sort -r); do umount -l "$m" || true; done
}
cleanup() {
	umount_root
	umount "$work" 2>/dev/null || umount -l "$work" 2>/dev/null || true
	if findmnt -rn -o TARGET | grep -qF "$work"; then
		log "mounts left under $work: not removing it"
	else
		rm -rf --one-file-system "$work"
	fi
}
trap cleanup EXIT

in_root() {
	chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C \
		DEBIAN_FRONTEND=noninteractive "$@"
}

# ------------------------------------------------------------- the packages
step "make deb"
make -C "$top" deb DEB_OUT="$work/deb"
for p in pvfio-dkms pvfio-dev; do
	[[ -f $work/deb/${p}_${ver}_all.deb ]] || die "make deb made no ${p}_${ver}_all.deb"
done

# ------------------------------------------------------- the cached base root
base_key="suite=$codename mirror=$mirror debootstrap=$(dpkg-query -W -f='${Version}' debootstrap) sources=$(tr '\n' ' ' <<<"$sources")"
make_base() {
	if [[ -f $DR/base.tar && -f $DR/base.key && $(cat "$DR/base.key") == "$base_key" ]]; then
		return 0
	fi
	local b=$DR/base.build
	step "debootstrap $codename from $mirror (cached in $DR/base.tar)"
	rm -rf --one-file-system "$b"
	debootstrap --variant=minbase "$codename" "$b" "$mirror" >&2 || die "debootstrap failed"
	printf '%s\n' "$sources" >"$b/etc/apt/sources.list"
	# Snapshot mirrors carry expired Release files; the root is thrown away
	# after each run, so write everything unsafely fast and start no service.
	echo 'Acquire::Check-Valid-Until "false";' >"$b/etc/apt/apt.conf.d/99pvfio"
	echo force-unsafe-io >"$b/etc/dpkg/dpkg.cfg.d/99pvfio"
	printf '#!/bin/sh\nexit 101\n' >"$b/usr/sbin/policy-rc.d"
	chmod 755 "$b/usr/sbin/policy-rc.d"
	cp -L /etc/resolv.conf "$b/etc/resolv.conf" 2>/dev/null || true
	chroot "$b" apt-get -q update >&2
	chroot "$b" apt-get clean
	tar -C "$b" --numeric-owner -cf "$DR/base.tar.tmp" .
	mv "$DR/base.tar.tmp" "$DR/base.tar"
	echo "$base_key" >"$DR/base.key"
	rm -rf --one-file-system "$b"
}
with_lock deb-root make_base

step "fresh root from $DR/base.tar"
mkdir -p "$root"
tar -C "$root" --numeric-owner -xpf "$DR/base.tar"
cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
mount -t proc proc "$root/proc"
mount -t sysfs -o ro sysfs "$root/sys"
mount --bind /dev "$root/dev"
mount --bind "$DR/archives" "$root/var/cache/apt/archives"

# apt-get install, updating the lists first if they no longer know a package.
apt_install() {
	in_root apt-get -q install -y --no-install-recommends "$@" >&2 && return 0
	log "apt-get install failed; apt-get update and retry"
	in_root apt-get -q update >&2
	in_root apt-get -q install -y --no-install-recommends "$@" >&2
}

# The very headers the harness builds against: same package, same version.
hdrs=()
for k in "$k61" "$k612"; do
	v=$(dpkg-query -W -f='${Version}' "linux-headers-$k" 2>/dev/null || true)
	hdrs+=("linux-headers-$k${v:+=$v}")
done
step "headers: ${hdrs[*]}"
apt_install "${hdrs[@]}"
for k in "$k61" "$k612"; do
	[[ -e $root/lib/modules/$k/build/Makefile ]] || die "no /lib/modules/$k/build in the root"
done
! in_root getent group pvfio >/dev/null || die "the clean root already has a pvfio group"

# ------------------------------------------------------------ pvfio-dkms
step "install pvfio-dkms"
cp "$work/deb/"*.deb "$root/tmp/"
apt_install "/tmp/pvfio-dkms_${ver}_all.deb"

step "check the installed package"
in_root dkms status -m pvfio
for k in "$k61" "$k612"; do
	in_root dkms status -m pvfio -v "$ver" -k "$k" | grep -q ': installed' \
		|| die "dkms status for $k is not installed"
	mod=$(cd "$root" && find "lib/modules/$k/updates/dkms" -name 'pvfio.ko*' 2>/dev/null | head -n1)
	[[ -n $mod ]] || die "no pvfio.ko under /lib/modules/$k/updates/dkms"
	[[ -z $(cd "$root" && find "lib/modules/$k" -name 'pvfio_consumer.ko*') ]] \
		|| die "the test module pvfio_consumer was installed for $k"
	echo "--- modinfo /$mod"
	in_root modinfo "/$mod"
	mi() { in_root modinfo -F "$1" "/$mod"; }
	[[ $(mi version) == "$ver" ]] || die "$k: version is not $ver"
	[[ $(mi license) == GPL ]] || die "$k: license is not GPL"
	[[ $(mi vermagic) == "$k "* ]] || die "$k: vermagic is not $k"
	mi description | grep -q 'I/O address spaces' || die "$k: no description"
	mi author | grep -q . || die "$k: no author"
	mi parm | grep -q '^dev_mode:' || die "$k: no dev_mode parameter"
	mi parm | grep -q '^enable_test_ops:' || die "$k: no enable_test_ops parameter"
	in_root grep -q 'updates/dkms/pvfio.ko' "/lib/modules/$k/modules.dep" || die "$k: depmod does not know pvfio"
done
gent=$(in_root getent group pvfio) || die "no pvfio group"
gid=$(cut -d: -f3 <<<"$gent")
((gid < 1000)) || die "pvfio is not a system group (gid $gid)"
echo "group: $gent"
rule=$root/lib/udev/rules.d/60-pvfio.rules
[[ -f $rule ]] || die "no /lib/udev/rules.d/60-pvfio.rules"
grep -Eq '^KERNEL=="pvfio",.*GROUP="pvfio",.*MODE="0660"' "$rule" || die "the udev rule does not give /dev/pvfio to pvfio 0660"
[[ -d $root/usr/src/pvfio-$ver ]] || die "no /usr/src/pvfio-$ver"
[[ ! -e $root/etc/modprobe.d/pvfio.conf ]] || die "unexpected modprobe.d file"

step "purge pvfio-dkms"
in_root apt-get -q purge -y pvfio-dkms >&2
in_root dpkg-query -W -f='${db:Status-Status}' pvfio-dkms 2>/dev/null | grep -qx installed && die "pvfio-dkms still installed"
[[ -z $(in_root dkms status -m pvfio) ]] || die "dkms status not empty after purge: $(in_root dkms status -m pvfio)"
[[ ! -e $root/var/lib/dkms/pvfio ]] || die "/var/lib/dkms/pvfio left after purge"
[[ -z $(cd "$root" && find lib/modules -name 'pvfio*.ko*') ]] || die "pvfio.ko left after purge"
for k in "$k61" "$k612"; do
	! in_root grep -q pvfio "/lib/modules/$k/modules.dep" || die "$k: modules.dep still names pvfio"
done
[[ ! -e $rule ]] || die "udev rule left after purge"
[[ ! -e $root/usr/src/pvfio-$ver ]] || die "/usr/src/pvfio-$ver left after purge"
in_root getent group pvfio >/dev/null || die "the pvfio group went with the purge (it is kept by design)"
echo "purged: no dkms tree, no module, no udev rule, no sources; group pvfio kept"

# ------------------------------------------------------------- pvfio-dev
step "install pvfio-dev, build C and C++ against it"
apt_install "/tmp/pvfio-dev_${ver}_all.deb" gcc g++ libc6-dev
[[ -f $root/usr/include/pvfio/pvfio.h && -f $root/usr/include/pvfio/kernel/pvfio.h &&
   -f $root/usr/include/pvfio/pvfio_iommufd.h ]] \
	|| die "pvfio-dev headers missing"
cat >"$root/tmp/uapi.c" <<'EOF'
#include <pvfio/pvfio.h>
#include <pvfio/pvfio_iommufd.h>
#include <string.h>
#include <sys/ioctl.h>

int main(void)
{
	struct pvfio_ioas_alloc cmd;
	struct pvfio_ifd_ioas_alloc icmd;
	unsigned long nr = PVFIO_IOAS_ALLOC, inr = PVFIO_IFD_IOAS_ALLOC;

	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	memset(&icmd, 0, sizeof(icmd));
	icmd.size = sizeof(icmd);

	return cmd.size != sizeof(struct pvfio_ioas_alloc) || _IOC_TYPE(nr) != PVFIO_TYPE ||
	       _IOC_TYPE(inr) != ';' || _IOC_NR(inr) != 0x81;
}
EOF
cp "$root/tmp/uapi.c" "$root/tmp/uapi.cc"
in_root gcc -std=c11 -Wall -Wextra -Wpedantic -Werror -o /tmp/uapi-c /tmp/uapi.c
in_root g++ -Wall -Wextra -Werror -o /tmp/uapi-cxx /tmp/uapi.cc
in_root /tmp/uapi-c
in_root /tmp/uapi-cxx
echo "C and C++ build and run against /usr/include/pvfio/pvfio.h and pvfio_iommufd.h"

step "deb round trip for $k61 and $k612: ok"
