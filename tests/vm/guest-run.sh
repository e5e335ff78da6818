#!/bin/sh
# Runs inside the guest (busybox sh) from the initramfs: every suite in
# /pvfio, then a report the host harness parses.  Kernel messages are
# silenced on the console while the report prints and appended after it
# from dmesg, so the two never interleave mid-line.
cd /pvfio || exit 1
export PVFIO_KO=/pvfio/pvfio.ko
export PVFIO_CONSUMER_KO=/pvfio/pvfio_consumer.ko
export CMOCKA_MESSAGE_OUTPUT=TAP
export PATH=/pvfio:$PATH
mkdir -p /tmp/results

# The debug kernel: forget what kmemleak suspects of the boot itself, so
# that the scan at the end reports only what the suites left behind.
if [ -w /sys/kernel/debug/kmemleak ]; then
	echo scan >/sys/kernel/debug/kmemleak
	echo clear >/sys/kernel/debug/kmemleak
fi

# stat_refresh folds the per-CPU deltas in: without it the counters lag.
vmstat() { echo 1 >/proc/sys/vm/stat_refresh; awk -v k="$1" '$1 == k { print $2 }' /proc/vmstat; }
acq0=$(vmstat nr_foll_pin_acquired)
rel0=$(vmstat nr_foll_pin_released)

# The boot that expects one WARN (pvfio.warn_test=1) runs only that suite;
# a benchmark boot (pvfio.bench=full|quick) runs only the benchmark.
suites=/pvfio/test_*
if grep -q 'pvfio.warn_test=1' /proc/cmdline; then
	suites=/pvfio/warn_consumer
fi
# A developer's run of one suite: pvfio.only=<suite> (through
# PVFIO_FUZZ_APPEND); make check never sets it.
only=$(sed -n 's/.*pvfio\.only=\([^ ]*\).*/\1/p' /proc/cmdline)
[ -z "$only" ] || suites=/pvfio/$only
bench=$(sed -n 's/.*pvfio\.bench=\([^ ]*\).*/\1/p' /proc/cmdline)
[ -z "$bench" ] || suites=""
for t in $suites; do
	[ -x "$t" ] || continue
	name=${t##*/}
	echo "pvfio: running $name"
	if [ -n "$only" ]; then
		# A developer's run: show the suite's progress as it goes, and
		# what the CPUs run if it is still going after two minutes.
		( sleep 120; echo 1 >/proc/sys/kernel/sysrq
		  echo l >/proc/sysrq-trigger ) &
		{ "$t"; echo "$?" >"/tmp/results/$name.rc"; } 2>&1 |
			tee "/tmp/results/$name.out"
	else
		"$t" >"/tmp/results/$name.out" 2>&1
		echo "$?" >"/tmp/results/$name.rc"
	fi
done

# The benchmark (not a test): pvfio beside VFIO type1.
if [ -n "$bench" ]; then
	echo "pvfio: running bench $bench"
	if [ "$bench" = quick ]; then set -- quick; else set --; fi
	/pvfio/bench "$@" >/tmp/bench.out 2>&1
	echo "$?" >/tmp/bench.rc
fi

acq1=$(vmstat nr_foll_pin_acquired)
rel1=$(vmstat nr_foll_pin_released)

# The upstream iommufd selftest, unmodified (tests/vm/selftest-notes.md), on
# pvfio's iommufd-compatible node, after pvfio's own suites: every cell runs
# ./iommufd; the debug kernel (fault injection) also ./iommufd_fail_nth.
# Not in the WARN and benchmark boots, nor with pvfio.upstream=0.  Kernel
# command line: pvfio.upstream_timeout=S (per binary, default 600),
# pvfio.upstream_hugepages=N (2 MiB hugetlb pages reserved, default 72).
upstream_timeout=$(sed -n 's/.*pvfio\.upstream_timeout=\([0-9]*\).*/\1/p' /proc/cmdline)
upstream_timeout=${upstream_timeout:-600}
upstream_tests=""
if [ -x /pvfio/upstream/iommufd ] && [ "$suites" = "/pvfio/test_*" ] &&
   ! grep -q 'pvfio\.upstream=0' /proc/cmdline; then
	upstream_tests=iommufd
	! grep -q 'pvfio\.debug_kernel=1' /proc/cmdline || upstream_tests="iommufd iommufd_fail_nth"
fi
# The debug kernel (KASAN and lockdep under TCG, some 30 times slower) does
# not run the fixtures tests/upstream-selftest.skip lists whole (what pvfio
# does not provide at all), nor dirty tracking's 64 and 128 MiB variants
# (pinning and walking their buffers is nearly all of the fixture's time;
# the five small variants run every dirty case, tests/vm/selftest-notes.md).
# The stock cells run everything.
upstream_exclude=""
if grep -q 'pvfio\.debug_kernel=1' /proc/cmdline; then
	upstream_exclude="-F iommufd_viommu -F vfio_compat_mock_domain -F iommufd_device_pasid -V domain_dirty64M -V domain_dirty64M_huge -V domain_dirty128M -V domain_dirty128M_huge"
fi

# run_upstream NAME: runs /pvfio/upstream/NAME into /tmp/upstream/NAME.out,
# each output line prefixed with the guest's uptime (read without a fork),
# the exit code in NAME.rc; the selftest opens /dev/iommu, which must be
# pvfio's node there.
run_upstream() {
	name=$1 last_fx=""
	if [ -e /tmp/upstream/bind ]; then
		# The kernel's own iommufd owns /dev/iommu: pvfio's node is bound
		# over it in a mount namespace of the selftest's own.
		set -- unshare -m sh -c 'mount -o bind /dev/pvfio-iommufd /dev/iommu && exec "$@"' sh
	else
		set --
	fi
	args=""
	[ "$name" != iommufd ] || args=$upstream_exclude
	# shellcheck disable=SC2086  # $args is a list of options
	{ "$@" timeout -s TERM -k 10 "$upstream_timeout" "./$name" $args 2>&1; echo "PVFIO-UPSTREAM-EXIT $?"; } |
		while IFS= read -r line; do
			read -r up _ </proc/uptime
			echo "$up $line"
			# Progress on the console, one line per fixture (a host-side
			# timeout loses the files): "pvfio: upstream iommufd: iommufd_ioas from case 15".
			case $line in
			"ok "*|"not ok "*)
				# shellcheck disable=SC2086  # split the TAP line into words
				set -- $line
				[ "$1" = ok ] || shift
				fx=${3%%.*}
				if [ "$fx" != "$last_fx" ]; then
					echo "pvfio: upstream $name: $fx from case $2" >/dev/console
					last_fx=$fx
				fi ;;
			esac
		done >"/tmp/upstream/$name.out"
	sed -n 's/^[^ ]* PVFIO-UPSTREAM-EXIT //p' "/tmp/upstream/$name.out" >"/tmp/upstream/$name.rc"
}

if [ -n "$upstream_tests" ]; then
	mkdir -p /tmp/upstream
	cd /pvfio/upstream || exit 1
	echo "pvfio: running upstream $upstream_tests"
	read -r up0 _ </proc/uptime
	echo "$up0" >/tmp/upstream/start
	uacq0=$(vmstat nr_foll_pin_acquired)
	urel0=$(vmstat nr_foll_pin_released)
	# Hugetlb pages for the MAP_HUGETLB variants (the largest,
	# iommufd_dirty_tracking's 128M huge one, needs 64 of 2 MiB), taken
	# from a compacted memory.
	echo 1 >/proc/sys/vm/compact_memory 2>/dev/null
	hp=$(sed -n 's/.*pvfio\.upstream_hugepages=\([0-9]*\).*/\1/p' /proc/cmdline)
	echo "${hp:-72}" >/proc/sys/vm/nr_hugepages
	cat /proc/sys/vm/nr_hugepages >/tmp/upstream/hugepages
	insmod /pvfio/pvfio.ko enable_test_ops=1 >/tmp/upstream/insmod.out 2>&1
	echo "$?" >/tmp/upstream/insmod.rc
	[ -e /dev/pvfio-iommufd ] || echo "no /dev/pvfio-iommufd after insmod pvfio.ko enable_test_ops=1" >>/tmp/upstream/notes
	if [ -e /dev/iommu ] && [ ! -L /dev/iommu ]; then
		touch /tmp/upstream/bind
		echo "/dev/iommu is the kernel's own: pvfio-iommufd bound over it in the selftest's mount namespace (unshare -m)" >>/tmp/upstream/notes
	else
		rm -f /dev/iommu
		ln -s pvfio-iommufd /dev/iommu
	fi
	for t in $upstream_tests; do
		if [ -e /tmp/upstream/bind ] && [ ! -e /dev/pvfio-iommufd ]; then
			# Never let it test the kernel's own /dev/iommu instead.
			echo "0 # not run: no /dev/pvfio-iommufd to bind over /dev/iommu" >"/tmp/upstream/$t.out"
			echo 255 >"/tmp/upstream/$t.rc"
			continue
		fi
		echo "pvfio: running upstream $t"
		run_upstream "$t"
	done
	[ -e /tmp/upstream/bind ] || rm -f /dev/iommu
	rmmod pvfio >>/tmp/upstream/rmmod.out 2>&1 || sleep 2
	[ ! -e /sys/module/pvfio ] || rmmod pvfio >>/tmp/upstream/rmmod.out 2>&1
	echo 0 >/proc/sys/vm/nr_hugepages
	uacq1=$(vmstat nr_foll_pin_acquired)
	urel1=$(vmstat nr_foll_pin_released)
	echo "acquired=$((uacq1 - uacq0)) released=$((urel1 - urel0))" >/tmp/upstream/pins
	cd /pvfio || exit 1
fi

# The debug kernel: whatever kmemleak finds after every suite ran and the
# module was removed (two scans: kmemleak reports an object only once it
# stayed unreferenced across a scan).
leaks=""
if [ -w /sys/kernel/debug/kmemleak ]; then
	echo scan >/sys/kernel/debug/kmemleak
	sleep 1
	echo scan >/sys/kernel/debug/kmemleak
	leaks=$(cat /sys/kernel/debug/kmemleak)
fi

dmesg -n 1
echo "PVFIO-RESULTS-BEGIN"
for out in /tmp/results/*.out; do
	[ -e "$out" ] || continue
	name=${out##*/}
	name=${name%.out}
	echo "PVFIO-SUITE $name rc=$(cat "/tmp/results/$name.rc")"
	cat "$out"
	echo "PVFIO-SUITE-END $name"
done
if [ -e /tmp/bench.out ]; then
	cat /tmp/bench.out
	echo "PVFIO-BENCH-RC $(cat /tmp/bench.rc)"
fi
echo "PVFIO-PINS acquired=$((acq1 - acq0)) released=$((rel1 - rel0))"
if [ -n "$leaks" ]; then
	echo "$leaks" | sed 's/^/PVFIO-KMEMLEAK /'
fi
if [ -e /sys/module/pvfio ]; then
	echo "PVFIO-MODULE loaded"
else
	echo "PVFIO-MODULE unloaded"
fi
echo "PVFIO-RESULTS-END"
# The upstream selftest's output, one block per binary: the TAP lines as the
# harness printed them, then per fixture the seconds its cases took.
[ -z "$upstream_tests" ] || start=$(cat /tmp/upstream/start)
for t in $upstream_tests; do
	echo "PVFIO-UPSTREAM-BEGIN $t"
	echo "PVFIO-UPSTREAM-NOTE insmod rc=$(cat /tmp/upstream/insmod.rc) $(cat /tmp/upstream/insmod.out 2>/dev/null)"
	echo "PVFIO-UPSTREAM-NOTE hugepages=$(cat /tmp/upstream/hugepages) timeout=${upstream_timeout}s"
	[ ! -e /tmp/upstream/notes ] || sed 's/^/PVFIO-UPSTREAM-NOTE /' /tmp/upstream/notes
	[ "$t" != iommufd ] || [ -z "$upstream_exclude" ] ||
		echo "PVFIO-UPSTREAM-NOTE not run in this cell (fixtures listed whole in tests/upstream-selftest.skip, large dirty-tracking variants): $upstream_exclude"
	# Lines are "<uptime> <line>": the line is printed as it was; a case's
	# time is from the previous result line (or the binary's start) to its own.
	awk -v start="$start" '
		BEGIN { prev = start }
		{ t = $1; sub(/^[^ ]* /, "") }
		/^PVFIO-UPSTREAM-EXIT / { end = t; next }
		{ print }
		/^(not )?ok [0-9]+ / {
			split($0, w, " "); name = (w[1] == "not") ? w[4] : w[3]
			split(name, f, "."); fx = f[1]
			if (!(fx in secs)) order[++n] = fx
			secs[fx] += t - prev
			if (t - prev >= 5) printf "PVFIO-UPSTREAM-SLOW %s seconds=%.1f\n", name, t - prev
			prev = t
		}
		END {
			for (i = 1; i <= n; i++) printf "PVFIO-UPSTREAM-FIXTURE %s seconds=%.1f\n", order[i], secs[order[i]]
			if (end == "") end = prev
			printf "PVFIO-UPSTREAM-SECONDS %d\n", end - start
		}' "/tmp/upstream/$t.out"
	echo "PVFIO-UPSTREAM-END $t rc=$(cat "/tmp/upstream/$t.rc" 2>/dev/null)"
	end=$(sed -n 's/^\([^ ]*\) PVFIO-UPSTREAM-EXIT .*/\1/p' "/tmp/upstream/$t.out")
	start=${end:-$start}
done
if [ -n "$upstream_tests" ]; then
	echo "PVFIO-UPSTREAM-PINS $(cat /tmp/upstream/pins)"
	[ ! -s /tmp/upstream/rmmod.out ] || sed 's/^/PVFIO-UPSTREAM-RMMOD /' /tmp/upstream/rmmod.out
fi
echo "PVFIO-DMESG-BEGIN"
dmesg
echo "PVFIO-DMESG-END"
