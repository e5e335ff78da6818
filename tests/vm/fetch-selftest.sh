#!/bin/bash
# fetch-selftest.sh: the upstream iommufd selftest, unmodified, from Debian
# sid's linux-source-7.2 (groundwork: not part of `make check`).
#
#   1. downloads linux-source-<maj.min of the cached 7.2 kernel> inside the sid
#      chroot (the same version as the cached 7.2 image when the chroot's
#      index still has it) and extracts its tree into
#        $PVFIO_CACHE/k/7.2-src/linux/
#   2. runs `make headers` in that tree and builds, with the host's gcc and
#      libcap-dev, tools/testing/selftests/iommu/iommufd.c and
#      iommufd_fail_nth.c into
#        $PVFIO_CACHE/k/7.2-src/selftest-bin/{iommufd,iommufd_fail_nth}
#      (dynamically linked x86_64: mkinitramfs.sh copies libcap.so.2, libc and
#      the loader into the guest from the host, like for the cmocka suites)
#   3. lists the test cases of each binary (`-l` needs no /dev/iommu) and
#      counts them per fixture into selftest-bin/cases.txt
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
# Exported kernel headers in $TREE/usr/include.
make_headers() {
    local key; key=$(cat "$TREE/.pvfio-stamp")
    if stamp_ok "$TREE/.pvfio-headers" "$key" && [[ -f $TREE/usr/include/linux/iommufd.h ]]; then
        return 0
    fi
    log "make headers in $TREE"
    rm -f "$TREE/.pvfio-headers"
    make -C "$TREE" -j2 -s headers >&2 || die "make headers failed in $TREE"
    [[ -f $TREE/usr/include/linux/iommufd.h ]] || die "make headers gave no usr/include/linux/iommufd.h"
    echo "$key" >"$TREE/.pvfio-headers"
}

build_key() {
    printf '%s gcc=%s libcap-dev=%s cflags=%s ldlibs=%s\n' "$(cat "$TREE/.pvfio-stamp")" \
        "$(gcc -dumpfullversion)" "$(dpkg-query -W -f='${Version}' libcap-dev)" "${CFLAGS[*]}" "${LDLIBS[*]}"
}

build_tests() {
    local key; key=$(build_key)
    local t ok=1
    for t in "${TESTS[@]}"; do [[ -x $BIN/$t ]] || ok=; done
    if [[ -n $ok ]] && stamp_ok "$BIN/.pvfio-stamp" "$key"; then
        log "selftest binaries up to date in $BIN"
        return 0
    fi
    rm -rf "$BIN.tmp"; mkdir -p "$BIN.tmp"
    local cmd
    for t in "${TESTS[@]}"; do
        cmd=(gcc "${CFLAGS[@]}" -I"$TREE/usr/include" -I"$TREE/tools/testing/selftests"
             -o "$BIN.tmp/$t" "$TREE/$SELFTEST/$t.c" "${LDLIBS[@]}")
        log "building $t"
        echo "${cmd[*]}" >>"$BIN.tmp/build-commands.txt"
        (cd "$TREE/$SELFTEST" && "${cmd[@]}") >>"$BIN.tmp/build.log" 2>&1 \
            || { cat "$BIN.tmp/build.log" >&2; die "building $t failed"; }
        readelf -h "$BIN.tmp/$t" | grep -q 'Machine:.*X86-64' || die "$t is not an x86_64 ELF file"
    done
    echo "$key" >"$BIN.tmp/.pvfio-stamp"
    rm -rf "$BIN"; mv "$BIN.tmp" "$BIN"
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
    make_headers
    build_tests
    write_cases
    log "binaries: $(for t in "${TESTS[@]}"; do printf '%s ' "$BIN/$t"; done)"
    log "cases:    $BIN/cases.txt"
    grep -v -e ': case ' -e '^#' "$BIN/cases.txt"
    log "shared libraries (mkinitramfs.sh copies them from the host): $(
        readelf -d "$BIN/${TESTS[0]}" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')"
}

start=$SECONDS
with_lock kernel-7.2-src main_locked
log "done in $((SECONDS - start)) s"
