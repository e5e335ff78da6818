#!/bin/bash
# `make bench`: pvfio beside VFIO type1 on Debian's stock 6.12, one boot per
# IOMMU (VT-d, AMD-Vi, virtio-iommu).  Each guest has two edu devices, one
# bound to pvfio-pci and one to vfio-pci (Debian's own vfio modules, loaded
# in the guest), and runs tests/bench.c in its full mode; the figures are
# printed as one table per IOMMU and a combined one.  A benchmark, not a
# test: no time is asserted; a boot fails only if the benchmark could not
# run (setup, a failed MAP, a buffer not backed as its row says, a splat).
#
# Usage: bench.sh [CELL...]   (default: 6.12-vtd 6.12-amdvi 6.12-virtio)
# Env: PVFIO_OUT (default tests/vm/out/bench), PVFIO_NO_FETCH=1,
#      PVFIO_BENCH_MODE=full|quick (default full), PVFIO_CELL_TIMEOUT.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TOP=$(cd "$PVFIO_VM_DIR/../.." && pwd)
OUT=${PVFIO_OUT:-$TOP/tests/vm/out/bench}
MODE=${PVFIO_BENCH_MODE:-full}
TMO=${PVFIO_CELL_TIMEOUT:-900}
CELLS=("$@")
((${#CELLS[@]})) || CELLS=(6.12-vtd 6.12-amdvi 6.12-virtio)
for c in "${CELLS[@]}"; do
	is_cell "$c" || die "unknown cell '$c'"
	[[ $(cell_kernel "$c") == 6.12 ]] || die "$c: the benchmark runs on the stock 6.12 kernel"
done
[[ $MODE == full || $MODE == quick ]] || die "PVFIO_BENCH_MODE is full or quick, not '$MODE'"

start_all=$SECONDS
rm -rf "$OUT"
mkdir -p "$OUT"
ensure_apt_lists
ensure_host_pkgs gcc make libcmocka-dev libkmod-dev kmod
[[ -n ${PVFIO_NO_FETCH:-} ]] || bash "$PVFIO_VM_DIR/fetch.sh" 6.12
load_kenv 6.12

bash "$PVFIO_VM_DIR/build-module.sh" 6.12 "$TOP" "$OUT/ko" >&2
make -C "$TOP/tests" build/x86_64-linux-gnu/bench >"$OUT/tests-build.log" 2>&1 || { tail -n 20 "$OUT/tests-build.log" >&2; die "tests did not build"; }
payload=$OUT/payload
mkdir -p "$payload"
cp "$OUT/ko/pvfio.ko" "$TOP/tests/build/x86_64-linux-gnu/bench" "$payload/"
install -m 0755 "$PVFIO_VM_DIR/guest-run.sh" "$payload/guest-run"
PVFIO_INITRD_BENCH_MODULES="vfio_iommu_type1 vfio_pci" \
	bash "$PVFIO_VM_DIR/mkinitramfs.sh" 6.12 "$payload" "$OUT/initrd.cpio.gz"

# 4 GiB: a 1 GiB buffer at a time, beside a 1 GiB hugetlb pool.
bench_boot() {
	PVFIO_APPEND="pvfio.bench=$MODE" PVFIO_EDUS=2 PVFIO_MEM=4096 \
		bash "$PVFIO_VM_DIR/boot.sh" "$1" "$OUT/initrd.cpio.gz" "$2" "$TMO"
}

failed=()
declare -A SECS
for c in "${CELLS[@]}"; do
	logf=$OUT/$c.log
	t0=$SECONDS
	rc=0
	bench_boot "$c" "$logf" || rc=$?
	# A guest that died before running anything of ours (an early-boot
	# Oops of Debian's 6.12 under TCG) is booted once more.
	if [[ $rc != 0 ]] && ! grep -q '^pvfio: running' "$logf"; then
		mv "$logf" "$logf.boot-failure"
		log "$c: the guest died before the benchmark started; booting it once more"
		rc=0
		bench_boot "$c" "$logf" || rc=$?
	fi
	SECS[$c]=$((SECONDS - t0))
	brc=$(tr -d '\r' <"$logf" | sed -n 's/^PVFIO-BENCH-RC //p')
	if [[ $rc != 0 || $brc != 0 ]] ||
	   grep -Eq 'WARNING: CPU|BUG: |Oops|Call Trace|general protection fault|Kernel panic' "$logf"; then
		failed+=("$c")
		log "$c: the benchmark failed (boot rc=$rc, bench rc=${brc:-none}); log: $logf"
		tr -d '\r' <"$logf" | grep '# bench:' >&2 || true
	fi
	log "$c: ${SECS[$c]} s"
done

# One table per IOMMU, then all of them side by side.
table() {
	local c=$1
	echo "== ${c#6.12-} (6.12, ${SECS[$c]} s): medians, pvfio / type1 =="
	tr -d '\r' <"$OUT/$c.log" | awk '
		/^PVFIO-BENCH id=/ {
			label = $0; sub(/.* label=/, "", label)
			for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
			printf "%-56s %4s %10s %10s %8s\n", label, v["unit"], v["pvfio"], v["type1"], v["ratio"]
		}' | { printf '%-56s %4s %10s %10s %8s\n' case unit pvfio type1 ratio; cat; }
	tr -d '\r' <"$OUT/$c.log" | sed -n 's/^PVFIO-BENCH-\(BACKING\|TYPE1\|DIRTY\) /  \L\1\E: /p'
	echo
}
for c in "${CELLS[@]}"; do [[ -f $OUT/$c.log ]] && table "$c"; done

echo "== all IOMMUs (6.12): pvfio ms|us / type1 ms|us / ratio =="
for c in "${CELLS[@]}"; do
	[[ -f $OUT/$c.log ]] || continue
	tr -d '\r' <"$OUT/$c.log" | awk -v cell="${c#6.12-}" '
		/^PVFIO-BENCH id=/ {
			label = $0; sub(/.* label=/, "", label)
			for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
			print v["id"] "\t" cell "\t" label "\t" v["unit"] "\t" v["pvfio"] "\t" v["type1"] "\t" v["ratio"]
		}'
done | awk -F'\t' -v cells="${CELLS[*]}" '
	BEGIN { n = split(cells, cl, " "); for (i = 1; i <= n; i++) sub(/^6\.12-/, "", cl[i]) }
	{
		if (!($1 in seen)) { seen[$1] = 1; order[++rows] = $1; label[$1] = $3; unit[$1] = $4 }
		val[$1, $2] = sprintf("%9s %9s %6s", $5, $6, $7)
	}
	END {
		printf "%-56s %4s", "case", "unit"
		for (i = 1; i <= n; i++) printf " | %-26s", cl[i] " pvfio type1 ratio"
		printf "\n"
		for (r = 1; r <= rows; r++) {
			id = order[r]
			printf "%-56s %4s", label[id], unit[id]
			for (i = 1; i <= n; i++) printf " | %26s", ((id, cl[i]) in val) ? val[id, cl[i]] : "-"
			printf "\n"
		}
	}'
echo
echo "make bench: ${#CELLS[@]} boots, $((SECONDS - start_all)) s; logs in ${OUT#"$TOP"/}/"
if ((${#failed[@]})); then
	echo "benchmark failed in: ${failed[*]}"
	exit 1
fi
