#!/bin/bash
# fetch-selftest.sh [ARCH...]: the upstream iommufd selftest, unmodified, from
# Debian sid's linux-source-7.2, built for each ARCH (x86_64, arm64; default
# x86_64).  `make check` (check.sh) runs it for the architectures of its cells
# and puts the binaries in every guest (tests/vm/selftest-notes.md).
#
#   1. downloads linux-source-<maj.min of the cached 7.2 kernel> inside the sid
#      chroot (the same version as the cached 7.2 image when the chroot's
#      index still has it) and extracts its tree into
#        $PVFIO_CACHE/k/7.2-src/linux/
#   2. exports the tree's uapi headers per architecture (`make ARCH=...
#      headers_install` into k/7.2-src/hdr-<arch>/) and builds
#      tools/testing/selftests/iommu/iommufd.c and iommufd_fail_nth.c into
#        $PVFIO_CACHE/k/7.2-src/selftest-bin/{iommufd,iommufd_fail_nth}        (x86_64)
#        $PVFIO_CACHE/k/7.2-src/selftest-bin-arm64/{iommufd,iommufd_fail_nth}  (arm64)
#      x86_64: the host's gcc and libcap-dev, dynamically linked (mkinitramfs.sh
#      copies libcap.so.2, libc and the loader into the guest from the host,
#      like for the cmocka suites).  arm64: aarch64-linux-gnu-gcc with
#      bookworm's arm64 libcap-dev (downloaded through the private arm64 apt
#      configuration of fetch.sh into k/7.2-src/libcap-arm64/), libcap linked
#      statically (the arm64 sysroot has no libcap.so.2).
#   3. lists the test cases of the x86_64 binaries (`-l` needs no /dev/iommu)
#      and counts them per fixture into selftest-bin/cases.txt
#
# Every step is stamped with what it was made from (package version, gcc,
# libcap, flags) and redone only when that changes: a second run only checks
# and prints.  Run as root (sid chroot, host packages).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ $(id -u) == 0 ]] || die "run as root (uses the sid chroot, installs host packages)"

SID_CHROOT=$PVFIO_CACHE/sid-chroot
DIR=$PVFIO_CACHE/k/7.2-src
TREE=$DIR/linux
BIN=$DIR/selftest-bin
SELFTEST=tools/testing/selftests/iommu
TESTS=(iommufd iommufd_fail_nth)
# As tools/testing/selftests/iommu/Makefile (CFLAGS += -Wall -O2
# -Wno-unused-function $(KHDR_INCLUDES), LDLIBS += -lcap; lib.mk adds
# -D_GNU_SOURCE), with the tree's own uapi headers and kselftest harness.
CFLAGS=(-Wall -O2 -Wno-unused-function -D_GNU_SOURCE)
LDLIBS=(-lcap)

in_sid() {
    chroot "$SID_CHROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
        LC_ALL=C DEBIAN_FRONTEND=noninteractive "$@"
}
sid_umount_proc() { if mountpoint -q "$SID_CHROOT/proc"; then umount "$SID_CHROOT/proc"; fi; }
stamp_ok() { [[ -f $1 && $(cat "$1") == "$2" ]]; }

# ------------------------------------------------------------ 1. the source
load_kenv 7.2
[[ -f $SID_CHROOT/.pvfio-ready ]] || die "no sid chroot: run tests/vm/fetch.sh 7.2 first"
majmin=$(sed -n 's/^\([0-9]*\.[0-9]*\)\..*/\1/p' <<<"$KVER")
[[ -n $majmin ]] || die "cannot parse the major.minor of KVER=$KVER"
SRCPKG=linux-source-$majmin
# The version of the cached image (the linux-binary package comes from the
# same source package as linux-source).
want=$(sed -n "s/^linux-binary-$KVER=//p" "$PVFIO_CACHE/k/7.2/root/.pvfio-stamp" 2>/dev/null || true)

# Download PKG=VER into $DIR/dl inside the sid chroot (holding its lock).
download_src_locked() {
    local spec=$1
    cp -L /etc/resolv.conf "$SID_CHROOT/etc/resolv.conf" 2>/dev/null || true
    mountpoint -q "$SID_CHROOT/proc" || mount -t proc proc "$SID_CHROOT/proc"
    trap sid_umount_proc EXIT
    rm -rf "$SID_CHROOT/tmp/pvfio-src-dl"; mkdir -p "$SID_CHROOT/tmp/pvfio-src-dl"
    # shellcheck disable=SC2016  # $1 expands in the chroot's sh
    in_sid sh -c 'cd /tmp/pvfio-src-dl && apt-get -q -o APT::Sandbox::User=root download "$1"' sh "$spec" >&2 \
        || die "download of $spec in the sid chroot failed"
    rm -rf "$DIR/dl"; mkdir -p "$DIR/dl"
    mv "$SID_CHROOT"/tmp/pvfio-src-dl/*.deb "$DIR/dl/"
    rm -rf "$SID_CHROOT/tmp/pvfio-src-dl"
    sid_umount_proc
    trap - EXIT
}

# Version of $SRCPKG to use: the image's if the chroot's index has it, else
# the chroot's candidate (with a warning).
resolve_version() {
    local vers
    vers=$(in_sid apt-cache show "$SRCPKG" 2>/dev/null | sed -n 's/^Version: //p')
    if [[ -z $vers ]]; then
        log "$SRCPKG not in the sid chroot's lists: apt-get update there"
        with_lock sid-chroot in_sid apt-get -q update >&2
        vers=$(in_sid apt-cache show "$SRCPKG" 2>/dev/null | sed -n 's/^Version: //p')
    fi
    [[ -n $vers ]] || die "$SRCPKG is not available in the sid chroot"
    if [[ -n $want ]] && grep -qxF "$want" <<<"$vers"; then
        echo "$want"
    else
        local cand; cand=$(in_sid apt-cache policy "$SRCPKG" | sed -n 's/^ *Candidate: //p')
        log "WARNING: $SRCPKG ${want:-<unknown>} (the cached 7.2 image's version) is not in the sid chroot's index: using $cand"
        echo "$cand"
    fi
}

fetch_tree() {
    local ver=$1 key="$SRCPKG=$1"
    if stamp_ok "$TREE/.pvfio-stamp" "$key"; then
        log "$key: tree ready in $TREE"
        return 0
    fi
    local deb
    deb=$(compgen -G "$DIR/dl/${SRCPKG}_${ver//:/%3a}_*.deb" | head -n1 || true)
    if [[ -z $deb ]]; then
        log "$key: downloading inside the sid chroot (about 160 MB)"
        with_lock sid-chroot download_src_locked "$key"
        deb=$(compgen -G "$DIR/dl/${SRCPKG}_${ver//:/%3a}_*.deb" | head -n1 || true)
        [[ -n $deb ]] || die "no ${SRCPKG}_${ver}_*.deb after the download"
    fi
    log "$key: extracting ${deb##*/}"
    local tmp=$DIR/extract.tmp
    rm -rf "$tmp" "$TREE.tmp"; mkdir -p "$tmp" "$TREE.tmp"
    dpkg-deb -x "$deb" "$tmp"
    local tarball; tarball=$(compgen -G "$tmp/usr/src/$SRCPKG.tar.*" | head -n1 || true)
    [[ -n $tarball ]] || die "${deb##*/} has no usr/src/$SRCPKG.tar.*"
    tar -C "$TREE.tmp" --strip-components=1 -xf "$tarball"
    [[ -f $TREE.tmp/Makefile && -d $TREE.tmp/$SELFTEST ]] || die "$SRCPKG has no $SELFTEST"
    echo "$key" >"$TREE.tmp/.pvfio-stamp"
    rm -rf "$TREE" "$tmp"
    mv "$TREE.tmp" "$TREE"
    rm -rf "$DIR/dl"
}

# ------------------------------------------------------------ 2. the build
# bin_dir ARCH: where the binaries of ARCH go.
bin_dir() { if [[ $1 == x86_64 ]]; then echo "$BIN"; else echo "$BIN-$1"; fi; }
kernel_arch() { case $1 in x86_64) echo x86 ;; arm64) echo arm64 ;; *) die "unknown arch '$1' (x86_64, arm64)" ;; esac; }

# Exported uapi headers of the tree for ARCH in $DIR/hdr-ARCH/include
# (headers_install: the tree's own usr/include is left to whatever ran last).
make_headers() {
    local arch=$1 key hdr=$DIR/hdr-$1
    key="$(cat "$TREE/.pvfio-stamp") ARCH=$(kernel_arch "$arch")"
    if stamp_ok "$hdr/.pvfio-stamp" "$key" && [[ -f $hdr/include/linux/iommufd.h ]]; then
        return 0
    fi
    log "make ARCH=$(kernel_arch "$arch") headers_install ($hdr)"
    rm -rf "$hdr" "$hdr.tmp"
    make -C "$TREE" -j2 -s ARCH="$(kernel_arch "$arch")" headers_install INSTALL_HDR_PATH="$hdr.tmp" >&2 \
        || die "make headers_install failed in $TREE"
    [[ -f $hdr.tmp/include/linux/iommufd.h ]] || die "headers_install gave no include/linux/iommufd.h"
    echo "$key" >"$hdr.tmp/.pvfio-stamp"
    mv "$hdr.tmp" "$hdr"
}

# bookworm's arm64 libcap-dev + libcap2 (headers, libcap.a), through fetch.sh's
# private arm64 apt configuration (its lock held), extracted into $LIBCAP_ARM64.
LIBCAP_ARM64=$DIR/libcap-arm64
fetch_libcap_arm64_locked() {
    local conf=$PVFIO_CACHE/apt-arm64/apt.conf pkgs=(libcap-dev libcap2) stamp
    [[ -f $conf ]] || die "no $conf: run tests/vm/fetch.sh arm64-6.1 first"
    stamp=$(APT_CONFIG=$conf apt-cache show --no-all-versions "${pkgs[@]}" 2>/dev/null \
        | awk '/^Package: /{p=$2} /^Version: /{print p "=" $2}' | sort)
    [[ $(wc -l <<<"$stamp") == 2 ]] || die "libcap-dev/libcap2 not found for arm64 in $conf's lists"
    if stamp_ok "$LIBCAP_ARM64/.pvfio-stamp" "$stamp"; then return 0; fi
    log "arm64: downloading ${pkgs[*]} (private arm64 apt configuration)"
    local dl specs; dl=$(mktemp -d "$PVFIO_CACHE/dl.XXXXXX")
    mapfile -t specs <<<"$stamp"
    (cd "$dl" && APT_CONFIG=$conf apt-get download -q "${specs[@]}" >&2) \
        || { rm -rf "$dl"; die "download of ${pkgs[*]} (arm64) failed"; }
    rm -rf "$LIBCAP_ARM64.tmp"; mkdir -p "$LIBCAP_ARM64.tmp"
    local d; for d in "$dl"/*.deb; do dpkg-deb -x "$d" "$LIBCAP_ARM64.tmp"; done
    rm -rf "$dl"
    echo "$stamp" >"$LIBCAP_ARM64.tmp/.pvfio-stamp"
    rm -rf "$LIBCAP_ARM64"; mv "$LIBCAP_ARM64.tmp" "$LIBCAP_ARM64"
}

# The compiler command of ARCH (without the source and output), in CMD.
compile_cmd() {
    local arch=$1 hdr=$DIR/hdr-$1/include
    case $arch in
        x86_64) CMD=(gcc "${CFLAGS[@]}" -I"$hdr" -I"$TREE/tools/testing/selftests") ;;
        arm64)  CMD=(aarch64-linux-gnu-gcc "${CFLAGS[@]}" -I"$hdr" -I"$TREE/tools/testing/selftests"
                     -I"$LIBCAP_ARM64/usr/include") ;;
    esac
}
link_libs() {
    case $1 in
        x86_64) LIBS=("${LDLIBS[@]}") ;;
        # -lcap, statically: the guest's arm64 userspace has no libcap.so.2.
        arm64)  LIBS=("$LIBCAP_ARM64/usr/lib/aarch64-linux-gnu/libcap.a") ;;
    esac
}

build_key() {
    local arch=$1 cc libcap
    if [[ $arch == x86_64 ]]; then
        cc="gcc=$(gcc -dumpfullversion)"; libcap="libcap-dev=$(dpkg-query -W -f='${Version}' libcap-dev)"
    else
        cc="aarch64-linux-gnu-gcc=$(aarch64-linux-gnu-gcc -dumpfullversion)"
        libcap=$(tr '\n' ' ' <"$LIBCAP_ARM64/.pvfio-stamp")
    fi
    compile_cmd "$arch"; link_libs "$arch"
    printf '%s arch=%s %s %s cflags=%s ldlibs=%s\n' "$(cat "$TREE/.pvfio-stamp")" "$arch" \
        "$cc" "$libcap" "${CFLAGS[*]}" "${LIBS[*]##*/}"
}

build_tests() {
    local arch=$1 bin key machine
    bin=$(bin_dir "$arch")
    if [[ $arch == arm64 ]]; then
        ensure_host_pkgs gcc-aarch64-linux-gnu libc6-dev-arm64-cross
        with_lock apt-arm64 fetch_libcap_arm64_locked
        machine=AArch64
    else
        machine=X86-64
    fi
    make_headers "$arch"
    key=$(build_key "$arch")
    local t ok=1
    for t in "${TESTS[@]}"; do [[ -x $bin/$t ]] || ok=; done
    if [[ -n $ok ]] && stamp_ok "$bin/.pvfio-stamp" "$key"; then
        log "$arch: selftest binaries up to date in $bin"
        return 0
    fi
    rm -rf "$bin.tmp"; mkdir -p "$bin.tmp"
    local cmd CMD LIBS
    compile_cmd "$arch"; link_libs "$arch"
    for t in "${TESTS[@]}"; do
        cmd=("${CMD[@]}" -o "$bin.tmp/$t" "$TREE/$SELFTEST/$t.c" "${LIBS[@]}")
        log "$arch: building $t"
        echo "${cmd[*]}" >>"$bin.tmp/build-commands.txt"
        (cd "$TREE/$SELFTEST" && "${cmd[@]}") >>"$bin.tmp/build.log" 2>&1 \
            || { cat "$bin.tmp/build.log" >&2; die "building $t for $arch failed"; }
        readelf -h "$bin.tmp/$t" | grep -q "Machine:.*$machine" || die "$t is not an $machine ELF file"
    done
    echo "$key" >"$bin.tmp/.pvfio-stamp"
    rm -rf "$bin"; mv "$bin.tmp" "$bin"
}

# ------------------------------------------------------------ 3. the cases
# Parse the harness's `-l` listing (stderr; per fixture a block of rows
# "%-20s %-25s %s": fixture name on the first row only, then the variants and
# the tests side by side, not crossed) into "fixture variant|- test|-" lines.
parse_listing() {
    awk '
        /^# FIXTURE/ || /^-+$/ { next }
        {
            line = $0
            if (substr(line, 1, 1) != " ") { split(line, a, " "); fx = a[1] }
            fw = length(substr(line, 1, 1) != " " ? fx : ""); if (fw < 20) fw = 20
            rest = substr(line, fw + 2)
            v = ""; vw = 25
            if (substr(rest, 1, 1) != " " && rest != "") { split(rest, b, " "); v = b[1]; if (length(v) > vw) vw = length(v) }
            t = substr(rest, vw + 2); gsub(/^ +| +$/, "", t)
            print fx, (v == "" ? "-" : v), (t == "" ? "-" : t)
        }'
}

# The tests a binary runs: per fixture, TEST_Fs x max(1, variants), as the
# harness's own loop (for each fixture, each variant or none, each test);
# the total is the harness's TAP plan "1..N".
list_cases() {
    local t=$1 listing rc=0
    # -l lists on stderr and exits with KSFT_SKIP (4), without opening /dev/iommu.
    listing=$("$BIN/$t" -l 2>&1) || rc=$?
    ((rc == 0 || rc == 4)) || die "$t -l failed (exit $rc)"
    [[ -n $listing ]] || die "$t -l printed nothing"
    parse_listing <<<"$listing" | awk -v bin="$t" '
        !($1 in seen) { seen[$1] = 1; order[++n] = $1 }
        $2 != "-" { vars[$1] = vars[$1] " " $2; nv[$1]++ }
        $3 != "-" { tests[$1] = tests[$1] " " $3; nt[$1]++ }
        END {
            total = 0; nf = 0
            for (i = 1; i <= n; i++) {
                f = order[i]; c = nt[f] * (nv[f] ? nv[f] : 1); total += c
                if (!nt[f]) continue    # "global": the TEST()s, none here
                nf++
                printf "%s: fixture %-24s %3d TEST_F x %2d variants = %4d tests\n", bin, f, nt[f], (nv[f] ? nv[f] : 1), c
            }
            printf "%s: %d fixtures, %d tests\n", bin, nf, total
            for (i = 1; i <= n; i++) {
                f = order[i]
                split(substr(vars[f], 2), V, " "); split(substr(tests[f], 2), T, " ")
                for (j = 1; j <= (nv[f] ? nv[f] : 1); j++)
                    for (k = 1; k <= nt[f]; k++)
                        printf "%s: case %s%s.%s\n", bin, f, (nv[f] ? "." V[j] : ""), T[k]
            }
        }'
}

write_cases() {
    local out=$BIN/cases.txt t
    {
        echo "# iommufd selftest cases, from \`<binary> -l\` (generated by tests/vm/fetch-selftest.sh)"
        echo "# source: $(cat "$TREE/.pvfio-stamp"), built: $(sed 's/^[^ ]* //' "$BIN/.pvfio-stamp")"
        echo "# a case is FIXTURE[.VARIANT].TEST; each fixture runs every test under every variant"
        for t in "${TESTS[@]}"; do list_cases "$t" | grep -v ': case '; done
        for t in "${TESTS[@]}"; do list_cases "$t" | grep ': case '; done
    } >"$out.tmp"
    mv "$out.tmp" "$out"
}

main_locked() {
    mkdir -p "$DIR"
    ensure_host_pkgs gcc make libc6-dev libcap-dev xz-utils
    local ver; ver=$(resolve_version)
    fetch_tree "$ver"
    local arch
    # The case list comes from running the x86_64 binaries on the host.
    build_tests x86_64
    for arch in "${ARCHES[@]}"; do [[ $arch == x86_64 ]] || build_tests "$arch"; done
    write_cases
    for arch in "${ARCHES[@]}"; do
        log "$arch binaries: $(for t in "${TESTS[@]}"; do printf '%s ' "$(bin_dir "$arch")/$t"; done)"
    done
    log "cases:    $BIN/cases.txt"
    grep -v -e ': case ' -e '^#' "$BIN/cases.txt"
    log "x86_64 shared libraries (mkinitramfs.sh copies them from the host): $(
        readelf -d "$BIN/${TESTS[0]}" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')"
}

ARCHES=("$@")
((${#ARCHES[@]})) || ARCHES=(x86_64)
for a in "${ARCHES[@]}"; do kernel_arch "$a" >/dev/null; done
start=$SECONDS
with_lock kernel-7.2-src main_locked
log "done in $((SECONDS - start)) s"
