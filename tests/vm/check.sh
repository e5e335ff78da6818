#!/bin/bash
# `make check`: everything, from a fresh Debian 12 machine.
#
#   1. host packages, the kernels and their build trees (fetch.sh, cached)
#   2. host checks: uapi header standalone in C and C++, W=1-clean builds of
#      pvfio for every kernel, the DKMS add/build/install/remove round trip
#   3. one QEMU (TCG) guest per matrix cell running every cmocka suite
#   4. a summary table and one closing line "N passed, M failed[, K skipped]"
#
# Usage: check.sh [CELL...]      (default: the whole matrix)
# A cell fails on a failed test, a suite that did not complete, a kernel
# splat in its console log, leaked pins, a module left loaded, or a timeout.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TOP=$(cd "$PVFIO_VM_DIR/../.." && pwd)
OUT=${PVFIO_OUT:-$TOP/tests/vm/out}
CELL_TIMEOUT=${PVFIO_CELL_TIMEOUT:-900}
CELLS=("$@")
((${#CELLS[@]})) || CELLS=("${PVFIO_CELLS[@]}")
for c in "${CELLS[@]}"; do is_cell "$c" || die "unknown cell '$c' (known: ${PVFIO_CELLS[*]})"; done

start_all=$SECONDS
rm -rf "$OUT"
mkdir -p "$OUT"

KERNELS=()
for c in "${CELLS[@]}"; do
	k=$(cell_kernel "$c")
	[[ " ${KERNELS[*]} " == *" $k "* ]] || KERNELS+=("$k")
done

ensure_apt_lists
ensure_host_pkgs gcc g++ make git libcmocka-dev libkmod-dev dkms kmod
# PVFIO_NO_FETCH=1 reuses the cache as it is (a developer's quick rerun).
[[ -n ${PVFIO_NO_FETCH:-} ]] || bash "$PVFIO_VM_DIR/fetch.sh" "${KERNELS[@]}"

# Results: one row per cell plus the host row.
declare -A R_PASS R_FAIL R_SKIP R_TIME R_NOTE
ROWS=()

row_init() { ROWS+=("$1"); R_PASS[$1]=0; R_FAIL[$1]=0; R_SKIP[$1]=0; R_TIME[$1]=0; R_NOTE[$1]=""; }
# host_test ROW NAME CMD...: one host-side test, output kept in $OUT/host/NAME.log
host_test() {
	local row=$1 name=$2; shift 2
	mkdir -p "$OUT/host"
	if "$@" >"$OUT/host/$name.log" 2>&1; then
		R_PASS[$row]=$((R_PASS[$row] + 1))
		log "ok   $name"
	else
		R_FAIL[$row]=$((R_FAIL[$row] + 1))
		R_NOTE[$row]+="$name "
		log "FAIL $name (see $OUT/host/$name.log)"
		tail -n 20 "$OUT/host/$name.log" >&2 || true
	fi
}

# ------------------------------------------------------------ host checks
row_init host
t0=$SECONDS
host_test host uapi-c-cxx make -C "$TOP/tests" uapi-check

declare -A KO_OK
for k in "${KERNELS[@]}"; do
	if host_test host "build-$k-W1" bash "$PVFIO_VM_DIR/build-module.sh" "$k" "$TOP" "$OUT/ko/$k"; then :; fi
	[[ -f $OUT/ko/$k/pvfio.ko ]] && KO_OK[$k]=1
done
host_test host static-sparse env PVFIO_OUT="$OUT" bash "$PVFIO_VM_DIR/static-check.sh" sparse "${KERNELS[@]}"
host_test host static-W2 env PVFIO_OUT="$OUT" bash "$PVFIO_VM_DIR/static-check.sh" w2 "${KERNELS[@]}"
host_test host static-checkpatch bash "$PVFIO_VM_DIR/static-check.sh" checkpatch
host_test host static-kernel-doc bash "$PVFIO_VM_DIR/static-check.sh" kernel-doc

for k in "${KERNELS[@]}"; do
	case $k in 6.1|6.12) host_test host "dkms-$k" bash "$PVFIO_VM_DIR/dkms-check.sh" "$k" "$TOP" ;; esac
done
if [[ " ${KERNELS[*]} " == *" 6.1 "* && " ${KERNELS[*]} " == *" 6.12 "* ]]; then host_test host deb-packages bash "$PVFIO_VM_DIR/deb-check.sh" "$TOP"; fi

ARCHES=()
for k in "${KERNELS[@]}"; do
	load_kenv "$k"
	[[ " ${ARCHES[*]} " == *" $ARCH "* ]] || ARCHES+=("$ARCH")
done
build_tests() {
	local arch=$1
	if [[ $arch == arm64 ]]; then
		load_kenv arm64-6.1
		make -C "$TOP/tests" CROSS_COMPILE=aarch64-linux-gnu- SYSROOT="$SYSROOT"
	else
		make -C "$TOP/tests"
	fi
}
for a in "${ARCHES[@]}"; do host_test host "tests-$a" build_tests "$a"; done

# The upstream iommufd selftest (fetch-selftest.sh: sid's linux-source-7.2,
# built for each architecture of the cells; cached).  PVFIO_NO_FETCH=1 skips
# the fetch only if the binaries are already there.
SELFTEST_DIR=$PVFIO_CACHE/k/7.2-src
SELFTEST_BINS=(iommufd iommufd_fail_nth)
SKIP_LIST=$TOP/tests/upstream-selftest.skip
selftest_bin() { if [[ $1 == x86_64 ]]; then echo "$SELFTEST_DIR/selftest-bin"; else echo "$SELFTEST_DIR/selftest-bin-$1"; fi; }
build_selftest() {
	local a t have=1
	for a in "${ARCHES[@]}"; do
		for t in "${SELFTEST_BINS[@]}"; do [[ -x $(selftest_bin "$a")/$t ]] || have=; done
	done
	if [[ -n ${PVFIO_NO_FETCH:-} && -n $have ]]; then
		echo "PVFIO_NO_FETCH=1: reusing the binaries in $SELFTEST_DIR"
	else
		# It builds from the 7.2 kernel's source package, in its sid chroot.
		[[ -f $(kdir_of 7.2)/env ]] || bash "$PVFIO_VM_DIR/fetch.sh" 7.2
		bash "$PVFIO_VM_DIR/fetch-selftest.sh" "${ARCHES[@]}"
	fi
	for a in "${ARCHES[@]}"; do
		for t in "${SELFTEST_BINS[@]}"; do
			[[ -x $(selftest_bin "$a")/$t ]] || { echo "no $(selftest_bin "$a")/$t"; return 1; }
			file -L "$(selftest_bin "$a")/$t"
		done
	done
}
# Every line of the skip list is "PATTERN reason..." and its pattern names
# at least one case of the selftest (a typo would silently skip nothing).
check_skip_list() {
	local cases=$SELFTEST_DIR/selftest-bin/cases.txt
	[[ -f $cases ]] || { echo "no $cases"; return 1; }
	awk -v cases="$cases" '
		function glob2re(g,   r) { r = g; gsub(/\./, "[.]", r); gsub(/\*/, ".*", r); gsub(/\?/, ".", r); return "^" r "$" }
		BEGIN { while ((getline l < cases) > 0) if (l ~ /: case /) { sub(/.*: case /, "", l); c[l] = 1 } }
		{ sub(/\r$/, "") }
		/^[ \t]*(#|$)/ { next }
		NF < 2 { print FILENAME ":" FNR ": no reason: " $0; bad = 1; next }
		{ re = glob2re($1); n = 0; for (k in c) if (k ~ re) n++
		  if (!n) { print FILENAME ":" FNR ": matches no case: " $1; bad = 1 }
		  else printf "%-40s %3d cases\n", $1, n }
		END { exit bad }' "$SKIP_LIST"
}
if command -v file >/dev/null; then :; else ensure_host_pkgs file; fi
host_test host upstream-selftest-build build_selftest
host_test host upstream-selftest-skip-list check_skip_list
# The udev rule's matching logic (udev-check.sh: udevadm test in a private
# mount namespace), where the host has udevadm and a misc device to stand in.
if command -v udevadm >/dev/null && [[ -e /sys/class/misc/fuse ]]; then
	host_test host udev-rule bash "$PVFIO_VM_DIR/udev-check.sh" "$TOP/udev/60-pvfio.rules"
else
	R_SKIP[host]=$((R_SKIP[host] + 1))
	log "skip udev-rule (no udevadm or no /sys/class/misc/fuse on this host)"
fi
R_TIME[host]=$((SECONDS - t0))

# ------------------------------------------------------------- the guests

# parse_cell ROW LOG RC: count the suite results in a cell's console log.
parse_cell() {
	local row=$1 logf=$2 rc=$3 counts p f s plan notes=""
	counts=$(awk '
		{ sub(/\r$/, "") }
		/^PVFIO-RESULTS-BEGIN/ { inres = 1; next }
		/^PVFIO-RESULTS-END/ { inres = 0; done = 1; next }
		!inres { next }
		/^PVFIO-SUITE [^ ]+ rc=/ { suite = $2; split($3, a, "="); rc[suite] = a[2]; planned[suite] = 0; ran[suite] = 0; next }
		/^1\.\.[0-9]+/ { sub(/^1\.\./, ""); planned[suite] += $0; next }
		/^ok [0-9]+/ { pass++; ran[suite]++; next }
		/^not ok [0-9]+ # SKIP/ { skip++; ran[suite]++; next }
		/^not ok [0-9]+/ { fail++; ran[suite]++; names = names " " suite ":" $0; next }
		/^PVFIO-PINS/ { split($2, a, "="); split($3, b, "="); if (a[2] != b[2]) notes = notes " leaked-pins(" a[2] "/" b[2] ")" }
		/^PVFIO-MODULE loaded/ { notes = notes " module-left-loaded" }
		/^PVFIO-BENCH-RC/ { if ($2 != 0) notes = notes " benchmark-failed"; else pass++ }
		END {
			for (s in rc) {
				if (ran[s] < planned[s]) notes = notes " " s ":incomplete(" ran[s] "/" planned[s] ")"
				if (rc[s] != 0) notes = notes " " s ":rc=" rc[s]
			}
			if (!done) notes = notes " no-results"
			printf "%d %d %d%s\n", pass, fail, skip, notes
		}' "$logf")
	read -r p f s notes <<<"$counts"
	R_PASS[$row]=$p; R_FAIL[$row]=$f; R_SKIP[$row]=$s
	if [[ $rc == 124 ]]; then notes+=" timeout"; fi
	if [[ $row == *-warn ]]; then
		# Exactly the one WARN the pin-keeping in-kernel consumer earns.
		if [[ $(grep 'WARNING: CPU' "$logf" | sort -u | wc -l) != 1 ]] ||
		   ! grep -q 'WARNING: CPU.*access\.c' "$logf" ||
		   grep -Eq 'BUG: |Oops|general protection fault|Kernel panic|possible (circular|recursive) locking|UBSAN:|KASAN:' "$logf"; then
			notes+=" expected-exactly-one-pvfio-WARN"
		fi
	elif grep -Eq 'WARNING: CPU|BUG: |Oops|Call Trace|general protection fault|Kernel panic|possible (circular|recursive) locking|UBSAN:|KASAN:' "$logf"; then
		notes+=" kernel-splat"
	fi
	# The debug kernel's own reports, wherever they came from.
	if grep -Eq 'WARNING: possible|WARNING: suspicious RCU|inconsistent lock state|BUG: sleeping function|BUG: KASAN|ODEBUG:|list_(add|del) corruption|INFO: task .* blocked' "$logf"; then
		notes+=" debug-report"
	fi
	if grep -q '^PVFIO-KMEMLEAK unreferenced' "$logf"; then
		notes+=" kmemleak"
	fi
	# Anything wrong with the cell beyond its test results counts once more.
	if [[ -n ${notes// /} ]]; then
		R_FAIL[$row]=$((R_FAIL[$row] + 1))
		R_NOTE[$row]=${notes# }
	fi
}

# parse_upstream ROW LOG CELL: the upstream selftest's blocks in a cell's
# console log (PVFIO-UPSTREAM-BEGIN <binary> ... PVFIO-UPSTREAM-END <binary>
# rc=N, from guest-run.sh) into the row ROW.  A case listed in
# tests/upstream-selftest.skip counts as skipped whatever its result (the
# kernel must still stay clean: the cell's row reads the whole console log);
# a case the selftest SKIPs counts as skipped; any other case that does not
# pass is a failure, named in the notes (the first few) and in
# $OUT/<cell>.upstream-failures (one per line, with its first assertion
# message after a tab).  A listed case that passes counts as passed,
# and the log suggests taking it off the list.
parse_upstream() {
	local row=$1 logf=$2 cell=$3 expect=iommufd out line kind rest p f s fails=() notes=""
	[[ $(cell_kernel "$cell") != *dbg ]] || expect="iommufd iommufd_fail_nth"
	out=$(awk -v skipf="$SKIP_LIST" -v expect="$expect" '
		function glob2re(g,   r) { r = g; gsub(/\./, "[.]", r); gsub(/\*/, ".*", r); gsub(/\?/, ".", r); return "^" r "$" }
		function listed(name,   i) { for (i = 1; i <= np; i++) if (name ~ pre[i]) return i; return 0 }
		BEGIN {
			while ((getline l < skipf) > 0) {
				sub(/\r$/, "", l)
				if (l ~ /^[ \t]*(#|$)/) continue
				split(l, w, /[ \t]+/); np++; pat[np] = w[1]; pre[np] = glob2re(w[1])
				why[np] = l; sub(/^[^ \t]+[ \t]+/, "", why[np])
			}
		}
		{ sub(/\r$/, "") }
		/^PVFIO-UPSTREAM-BEGIN / { bin = $2; began[bin] = 1; ran[bin] = 0; next }
		/^PVFIO-UPSTREAM-END / { split($3, a, "="); rc[bin] = a[2]; ended[bin] = 1; bin = ""; next }
		/^PVFIO-UPSTREAM-PINS / { split($2, a, "="); split($3, r, "="); if (a[2] != r[2]) print "NOTE leaked-pins(" a[2] "/" r[2] ")"; next }
		/^PVFIO-UPSTREAM-RMMOD / { if (!rmmod++) print "NOTE rmmod-failed"; next }
		bin == "" { next }
		/^PVFIO-UPSTREAM-NOTE / { sub(/^PVFIO-UPSTREAM-NOTE /, ""); print "INFO " bin ": " $0; next }
		/^PVFIO-UPSTREAM-FIXTURE / { sub(/seconds=/, "", $3); print "TIME " bin ": fixture " $2 " took " $3 " s"; next }
		/^PVFIO-UPSTREAM-SLOW / { sub(/seconds=/, "", $3); print "TIME " bin ": case " $2 " took " $3 " s"; next }
		/^PVFIO-UPSTREAM-SECONDS / { print "SECONDS " bin " " $2; next }
		/^1\.\.[0-9]+/ { p = $0; sub(/^1\.\./, "", p); sub(/[^0-9].*/, "", p); plan[bin] = p + 0; next }
		/^Bail out!/ { print "NOTE " bin ":bail-out"; next }
		# The first assertion message of a case: "# <path>/iommufd.c:957:<test>:Expected ...".
		/^#  RUN / { msg = ""; next }
		msg == "" && /^# [^ ]*\.[ch]:[0-9]+:/ { msg = $0; sub(/^# [^ ]*\//, "", msg); sub(/^# /, "", msg); next }
		msg == "" && /^# [^ ]+: Test terminated by / { msg = $0; sub(/^# /, "", msg); next }
		/^(not )?ok [0-9]+ / {
			ran[bin]++
			isnot = ($1 == "not"); name = isnot ? $4 : $3
			dir = $0; if (!sub(/^[^#]*# /, "", dir)) dir = ""
			i = listed(name)
			if (!isnot && dir ~ /^SKIP/) {
				skip++
				if (i) print "INFO " bin ": skipped (listed: " pat[i] "): " name
				else print "INFO " bin ": the selftest skipped " name ": " substr(dir, 6)
			} else if (!isnot && dir !~ /^XPASS/) {
				pass++
				if (i) print "INFO " bin ": " name " passed but tests/upstream-selftest.skip lists it (" pat[i] "): consider removing it from the list"
			} else if (i) {
				skip++; nlisted[pat[i]]++
			} else {
				fail++; print "FAIL " name (msg == "" ? "" : "\t" msg)
			}
			next
		}
		END {
			for (i = 1; i <= np; i++) if (nlisted[pat[i]]) print "INFO listed and not passing, counted as skipped: " nlisted[pat[i]] " x " pat[i] " (" why[i] ")"
			n = split(expect, e, " ")
			for (k = 1; k <= n; k++) {
				b = e[k]
				if (!began[b]) { print "NOTE " b ":no-output"; continue }
				if (!ended[b]) print "NOTE " b ":no-end-marker"
				if (!(b in plan)) print "NOTE " b ":no-plan"
				else if (ran[b] < plan[b]) print "NOTE " b ":incomplete(" ran[b] "/" plan[b] ")"
				if (rc[b] == 143 || rc[b] == 137) print "NOTE " b ":timeout(rc=" rc[b] ")"
				else if (ended[b] && rc[b] != 0 && rc[b] != 1) print "NOTE " b ":rc=" rc[b]
			}
			printf "COUNT %d %d %d\n", pass, fail, skip
		}' "$logf") || out="NOTE parse-error"
	while IFS= read -r line; do
		kind=${line%% *} rest=${line#* }
		case $kind in
			COUNT) read -r p f s <<<"$rest"; R_PASS[$row]=$p R_FAIL[$row]=$f R_SKIP[$row]=$s ;;
			FAIL) fails+=("$rest") ;;
			NOTE) notes+=" $rest" ;;
			INFO|TIME) log "$row: $rest" ;;
			SECONDS) log "$row: ${rest% *}: ${rest##* } s in all" ;;
		esac
	done <<<"$out"
	R_TIME[$row]=$(awk '/^SECONDS /{t += $3} END {print t + 0}' <<<"$out")
	rm -f "$OUT/$cell.upstream-failures"
	if ((${#fails[@]})); then
		printf '%s\n' "${fails[@]}" >"$OUT/$cell.upstream-failures"
		local names=("${fails[@]%%$'\t'*}")
		R_NOTE[$row]="${#fails[@]} failing: ${names[*]:0:4}$( ((${#fails[@]} <= 4)) || echo " ...") (all in ${OUT#"$TOP"/}/$cell.upstream-failures)"
	fi
	if [[ -n ${notes// /} ]]; then
		R_FAIL[$row]=$((R_FAIL[$row] + 1))
		R_NOTE[$row]="${notes# }${R_NOTE[$row]:+; ${R_NOTE[$row]}}"
	fi
}

declare -A INITRD
for c in "${CELLS[@]}"; do
	row_init "$c"
	k=$(cell_kernel "$c")
	t0=$SECONDS
	if [[ -z ${KO_OK[$k]:-} ]]; then
		R_FAIL[$c]=1; R_NOTE[$c]="module did not build"
		continue
	fi
	if [[ -z ${INITRD[$k]:-} ]]; then
		load_kenv "$k"
		payload="$OUT/payload/$k"
		rm -rf "$payload"; mkdir -p "$payload"
		cp "$OUT/ko/$k/"*.ko "$payload/"
		if [[ $ARCH == arm64 ]]; then tarch=aarch64-linux-gnu; else tarch=x86_64-linux-gnu; fi
		cp "$TOP/tests/build/$tarch/"test_* "$TOP/tests/build/$tarch/bench" \
			"$TOP/tests/build/$tarch/warn_consumer" "$payload/"
		install -m 0755 "$PVFIO_VM_DIR/guest-run.sh" "$payload/guest-run"
		# The upstream iommufd selftest, run by guest-run after the suites.
		if [[ -x $(selftest_bin "$ARCH")/iommufd ]]; then
			mkdir -p "$payload/upstream"
			cp "$(selftest_bin "$ARCH")"/iommufd* "$payload/upstream/"
		fi
		# The benchmark boot of 6.12 loads Debian's own VFIO type1.
		bench_mods=""
		[[ $k != 6.12 ]] || bench_mods="vfio_iommu_type1 vfio_pci"
		PVFIO_INITRD_BENCH_MODULES=$bench_mods \
			bash "$PVFIO_VM_DIR/mkinitramfs.sh" "$k" "$payload" "$OUT/initrd-$k.cpio.gz"
		INITRD[$k]="$OUT/initrd-$k.cpio.gz"
	fi
	logf="$OUT/$c.log"
	log "booting $c (console: $logf)"
	rc=0
	append=${PVFIO_FUZZ_APPEND:-}
	# The debug kernel's cell also runs iommufd_fail_nth (each binary has
	# 600 s in the guest): it gets that much more.
	tmo=$CELL_TIMEOUT
	[[ $k != *dbg ]] || tmo=$((CELL_TIMEOUT + 1200))
	PVFIO_APPEND=$append bash "$PVFIO_VM_DIR/boot.sh" "$c" "${INITRD[$k]}" "$logf" "$tmo" || rc=$?
	# A guest that died before running anything of ours (seen: an int3
	# Oops during early boot of Debian's 6.12 and 7.2 under TCG, before
	# pvfio is loaded) is booted once more; the first console log is kept
	# and the retry is reported.
	retried=""
	if [[ $rc != 0 ]] && ! grep -q '^pvfio: running' "$logf"; then
		mv "$logf" "$logf.boot-failure"
		log "$c: the guest died before the tests started; booting it once more"
		rc=0
		PVFIO_APPEND=$append bash "$PVFIO_VM_DIR/boot.sh" "$c" "${INITRD[$k]}" "$logf" "$tmo" || rc=$?
		retried="retried after a boot failure (${logf#"$TOP"/}.boot-failure)"
	fi
	R_TIME[$c]=$((SECONDS - t0))
	parse_cell "$c" "$logf" "$rc"
	[[ -z $retried ]] || R_NOTE[$c]="${R_NOTE[$c]:+${R_NOTE[$c]}; }$retried"
	log "$c: ${R_PASS[$c]} passed, ${R_FAIL[$c]} failed, ${R_SKIP[$c]} skipped, ${R_TIME[$c]}s ${R_NOTE[$c]}"
	# The upstream selftest's own row (its seconds are part of the cell's).
	row_init "$c/upstream"
	parse_upstream "$c/upstream" "$logf" "$c"
	log "$c/upstream: ${R_PASS[$c/upstream]} passed, ${R_FAIL[$c/upstream]} failed, ${R_SKIP[$c/upstream]} skipped, ${R_TIME[$c/upstream]}s ${R_NOTE[$c/upstream]}"
done

# The boot where a misbehaving in-kernel consumer must earn exactly one
# WARN: the 6.1 VT-d guest without panic_on_warn, running only that suite.
if [[ " ${CELLS[*]} " == *" 6.1-vtd "* && -n ${INITRD[6.1]:-} ]]; then
	c=6.1-vtd-warn
	row_init "$c"
	t0=$SECONDS
	logf="$OUT/$c.log"
	log "booting $c (console: $logf)"
	rc=0
	PVFIO_APPEND="panic_on_warn=0 pvfio.warn_test=1" bash "$PVFIO_VM_DIR/boot.sh" \
		6.1-vtd "${INITRD[6.1]}" "$logf" "$CELL_TIMEOUT" || rc=$?
	R_TIME[$c]=$((SECONDS - t0))
	parse_cell "$c" "$logf" "$rc"
	log "$c: ${R_PASS[$c]} passed, ${R_FAIL[$c]} failed, ${R_TIME[$c]}s ${R_NOTE[$c]}"
fi

# With the 6.12 VT-d cell, one more boot proves `make bench` works: the
# benchmark (pvfio beside VFIO type1, two edu devices) at small sizes.
if [[ " ${CELLS[*]} " == *" 6.12-vtd "* && -n ${INITRD[6.12]:-} ]]; then
	c=6.12-vtd-bench
	row_init "$c"
	t0=$SECONDS
	logf="$OUT/$c.log"
	log "booting $c (console: $logf)"
	bench_boot() {
		PVFIO_APPEND="pvfio.bench=quick" PVFIO_EDUS=2 bash "$PVFIO_VM_DIR/boot.sh" \
			6.12-vtd "${INITRD[6.12]}" "$logf" "$CELL_TIMEOUT"
	}
	rc=0
	bench_boot || rc=$?
	retried=""
	if [[ $rc != 0 ]] && ! grep -q '^pvfio: running' "$logf"; then
		mv "$logf" "$logf.boot-failure"
		log "$c: the guest died before the benchmark started; booting it once more"
		rc=0
		bench_boot || rc=$?
		retried="retried after a boot failure (${logf#"$TOP"/}.boot-failure)"
	fi
	R_TIME[$c]=$((SECONDS - t0))
	parse_cell "$c" "$logf" "$rc"
	[[ -z $retried ]] || R_NOTE[$c]="${R_NOTE[$c]:+${R_NOTE[$c]}; }$retried"
	log "$c: ${R_PASS[$c]} passed, ${R_FAIL[$c]} failed, ${R_TIME[$c]}s ${R_NOTE[$c]}"
fi

# ---------------------------------------------------------------- summary
tp=0; tf=0; ts=0
printf '\n%-25s %7s %7s %8s %8s  %s\n' cell passed failed skipped seconds notes
printf '%-25s %7s %7s %8s %8s  %s\n' ------------------------- ------ ------ ------- ------- -----
for r in "${ROWS[@]}"; do
	note=${R_NOTE[$r]}
	[[ $r != host ]] && note="${note:+$note; }log: ${OUT#"$TOP"/}/${r%/upstream}.log"
	printf '%-25s %7d %7d %8d %8d  %s\n' "$r" "${R_PASS[$r]}" "${R_FAIL[$r]}" \
		"${R_SKIP[$r]}" "${R_TIME[$r]}" "$note"
	tp=$((tp + R_PASS[$r])); tf=$((tf + R_FAIL[$r])); ts=$((ts + R_SKIP[$r]))
done
printf '%-25s %7d %7d %8d %8d\n\n' total "$tp" "$tf" "$ts" $((SECONDS - start_all))
# Benchmark figures (not tests), from the cells that ran it.
for r in "${ROWS[@]}"; do
	[[ -f $OUT/$r.log ]] || continue
	tr -d '\r' <"$OUT/$r.log" | sed -n "s/^PVFIO-BENCH \(.*\)/$r: \1/p"
	tr -d '\r' <"$OUT/$r.log" | sed -n "s/^PVFIO-FUZZ \(.*\)/$r: fuzz \1/p"
	# Failure points per fail-nth sequence: "pvfio ioas=25 mock=23 ...".
	tr -d '\r' <"$OUT/$r.log" | awk -v r="$r" '
		/^PVFIO-FAILNTH / { sub(/points=/, "", $4); p[$2] = p[$2] " " $3 "=" $4 }
		END { for (k in p) print r ": fail-nth " k p[k] }'
done
echo
if ((ts)); then echo "$tp passed, $tf failed, $ts skipped"; else echo "$tp passed, $tf failed"; fi
((tf == 0))
