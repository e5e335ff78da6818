#!/bin/bash
# static-check.sh GATE [KERNEL...]: one static gate of `make check`.
#
#   sparse      W=1 build with sparse (C=1) for every KERNEL: any compiler or
#               sparse warning or error fails
#   w2          W=2 build for every KERNEL: must build (W=2 warnings, most of
#               them from kernel headers, are counted, not failures)
#   checkpatch  checkpatch.pl --strict --no-tree over module/ include/ uapi/
#               tests/consumer/; a finding fails unless checkpatch.exceptions
#               (beside this script) accepts it
#   kernel-doc  kernel-doc -none over uapi/ include/ module/: no warning
#
# KERNEL defaults to every target kernel (6.1 6.12 7.2 arm64-6.1).  The
# sources checked are the checkout this script lives in, or PVFIO_SRC.
# checkpatch.pl and kernel-doc come from Debian's linux-source-6.12: only
# its scripts/ is extracted, into $PVFIO_CACHE/kscripts, keyed on the
# package version.  Build logs go to $PVFIO_OUT/static (default
# tests/vm/out/static).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TOP=$(cd "$PVFIO_VM_DIR/../.." && pwd)
SRC=$(cd "${PVFIO_SRC:-$TOP}" && pwd)
SOUT=${PVFIO_OUT:-$TOP/tests/vm/out}/static
EXCEPTIONS=$PVFIO_VM_DIR/checkpatch.exceptions
DEFAULT_KERNELS=(6.1 6.12 7.2 arm64-6.1)

(($# >= 1)) || die "usage: $0 sparse|w2|checkpatch|kernel-doc [KERNEL...]"
gate=$1; shift
KERNELS=("$@")
((${#KERNELS[@]})) || KERNELS=("${DEFAULT_KERNELS[@]}")

# ------------------------------------------------------------ the tools

# kscripts: prints the directory holding checkpatch.pl and kernel-doc.
kscripts_locked() {
	local ver dir tarball tmp
	ver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
	dir=$PVFIO_CACHE/kscripts/6.12
	if [[ ! -f $dir/.pvfio-stamp || $(cat "$dir/.pvfio-stamp") != "linux-source-6.12=$ver" ]]; then
		tarball=$(compgen -G '/usr/src/linux-source-6.12.tar.*' | head -n1)
		[[ -n $tarball ]] || die "linux-source-6.12 installed, but no /usr/src/linux-source-6.12.tar.*"
		log "extracting scripts/ of linux-source-6.12 $ver"
		tmp=$(mktemp -d "$PVFIO_CACHE/kscripts/.new.XXXXXX")
		tar -C "$tmp" --strip-components=1 -xf "$tarball" --wildcards '*/scripts/*'
		rm -rf "$dir"
		mv "$tmp" "$dir"
		echo "linux-source-6.12=$ver" >"$dir/.pvfio-stamp"
	fi
	for f in checkpatch.pl kernel-doc spelling.txt const_structs.checkpatch; do
		[[ -f $dir/scripts/$f ]] || die "linux-source-6.12 $ver has no scripts/$f"
	done
	echo "$dir/scripts"
}
kscripts() {
	ensure_host_pkgs linux-source-6.12 perl xz-utils
	mkdir -p "$PVFIO_CACHE/kscripts"
	with_lock kscripts kscripts_locked
}

# sparse on the host, and inside the sid chroot for a kernel built there.
chroot_sparse_locked() {
	local run=(chroot "$CHROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin
		HOME=/root LC_ALL=C DEBIAN_FRONTEND=noninteractive)
	# shellcheck disable=SC2016  # a dpkg-query format, not a shell expansion
	"${run[@]}" dpkg-query -W -f='${db:Status-Status}' sparse 2>/dev/null | grep -qx installed && return 0
	log "installing sparse in $CHROOT"
	cp -L /etc/resolv.conf "$CHROOT/etc/resolv.conf" 2>/dev/null || true
	if ! "${run[@]}" apt-get -q install -y --no-install-recommends sparse >&2; then
		"${run[@]}" apt-get -q update >&2
		"${run[@]}" apt-get -q install -y --no-install-recommends sparse >&2
	fi
	"${run[@]}" apt-get clean
}
ensure_sparse() {
	if [[ $BUILD_MODE == chroot ]]; then
		with_lock sid-chroot chroot_sparse_locked
	else
		ensure_host_pkgs sparse
	fi
}

# ------------------------------------------------------------ the gates

gate_sparse() {
	local k out rc=0
	for k in "${KERNELS[@]}"; do
		load_kenv "$k"
		ensure_sparse
		out=$SOUT/sparse-$k
		rm -rf "$out"
		# KBUILD_CHECKSRC=1 as well as C=1: Debian's 7.2 headers lack
		# scripts/checker-valid.sh, so kbuild would turn sparse off with
		# only a make $(warning); this gate checks that sparse ran.
		if ! bash "$PVFIO_VM_DIR/build-module.sh" "$k" "$SRC" "$out" C=1 KBUILD_CHECKSRC=1; then
			echo "sparse $k: FAIL (log: $out/build.log)"; rc=1; continue
		fi
		# sparse reports errors without failing the build.
		if grep -E ': error:' "$out/build.log"; then
			echo "sparse $k: FAIL, sparse errors (log: $out/build.log)"; rc=1; continue
		fi
		if ! grep -q '^ *CHECK ' "$out/build.log"; then
			echo "sparse $k: FAIL, sparse did not run (log: $out/build.log)"; rc=1; continue
		fi
		echo "sparse $k: ok, $(grep -c '^ *CHECK ' "$out/build.log") files checked"
	done
	return "$rc"
}

gate_w2() {
	local k out rc=0 n ours
	for k in "${KERNELS[@]}"; do
		out=$SOUT/w2-$k
		rm -rf "$out"
		# KCFLAGS=-Wno-error: a kernel built with CONFIG_WERROR (the
		# debug kernel) would turn its own headers' W=2 warnings into
		# errors; this gate only asks that pvfio builds.
		if ! PVFIO_BUILD_WARNINGS=allow bash "$PVFIO_VM_DIR/build-module.sh" "$k" "$SRC" "$out" W=2 KCFLAGS=-Wno-error; then
			echo "W=2 $k: FAIL, does not build (log: $out/build.log)"; rc=1; continue
		fi
		n=$(grep -c 'warning:' "$out/build.log" || true)
		# pvfio's own files: under SRC, or relative (chroot builds).
		ours=$(grep -E -e "^$SRC/[^:]*:[0-9]+:" -e '^[^/][^:]*:[0-9]+:' "$out/build.log" |
			grep 'warning:' || true)
		echo "W=2 $k: ok, builds; $n warnings, $(grep -c . <<<"$ours" || true) in pvfio's files"
		[[ -z $ours ]] || echo "$ours"
	done
	return "$rc"
}

# The files the style gates read (relative to SRC; sorted for stable output).
style_files() {
	(cd "$SRC" && find "$@" -type f \( -name '*.[ch]' -o -name Kbuild -o -name Makefile \) | sort)
}

gate_checkpatch() {
	local s files out accepted findings line file type glob etype ok
	s=$(kscripts)
	mapfile -t files < <(style_files module include uapi tests/consumer)
	((${#files[@]})) || die "no files to check under $SRC"
	# checkpatch exits 1 when it finds anything: its output is the verdict.
	out=$(cd "$SRC" || exit; perl "$s/checkpatch.pl" --strict --no-tree --show-types --terse \
		--no-summary --color=never -f "${files[@]}" || true)
	# An exception line is "PATH-GLOB TYPE"; '#' starts a comment.
	accepted=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$EXCEPTIONS")
	findings=$(while IFS= read -r line; do
		[[ -n $line ]] || continue
		file=${line%%:*} ok=0
		type=$(sed -n 's/^[^:]*:[0-9]*: [A-Z]*:\([A-Z0-9_]*\):.*/\1/p' <<<"$line")
		while read -r glob etype; do
			# shellcheck disable=SC2053  # the exception path is a glob
			if [[ $file == $glob && $type == "$etype" ]]; then ok=1; break; fi
		done <<<"$accepted"
		((ok)) || echo "$line"
	done <<<"$out")
	echo "checkpatch: ${#files[@]} files, $(grep -c . <<<"$out" || true) findings," \
		"$(grep -c . <<<"$findings" || true) not in ${EXCEPTIONS#"$TOP"/}"
	[[ -z $findings ]] || { echo "$findings"; return 1; }
}

gate_kernel_doc() {
	local s files out
	s=$(kscripts)
	mapfile -t files < <(style_files uapi include module | grep -v -e '/Kbuild$' -e '/Makefile$')
	out=$(cd "$SRC" || exit; perl "$s/kernel-doc" -none "${files[@]}" 2>&1 || true)
	echo "kernel-doc: ${#files[@]} files, $(grep -c . <<<"$out" || true) warnings"
	[[ -z $out ]] || { echo "$out"; return 1; }
}

mkdir -p "$SOUT"
start=$SECONDS
case $gate in
	sparse) gate_sparse ;;
	w2) gate_w2 ;;
	checkpatch) gate_checkpatch ;;
	kernel-doc) gate_kernel_doc ;;
	*) die "unknown gate '$gate' (sparse, w2, checkpatch, kernel-doc)" ;;
esac || { log "$gate: FAIL in $((SECONDS - start)) s"; exit 1; }
log "$gate: ok in $((SECONDS - start)) s"
