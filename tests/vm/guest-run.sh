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
bench=$(sed -n 's/.*pvfio\.bench=\([^ ]*\).*/\1/p' /proc/cmdline)
[ -z "$bench" ] || suites=""
for t in $suites; do
	[ -x "$t" ] || continue
	name=${t##*/}
	echo "pvfio: running $name"
	"$t" >"/tmp/results/$name.out" 2>&1
	echo "$?" >"/tmp/results/$name.rc"
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
echo "PVFIO-DMESG-BEGIN"
dmesg
echo "PVFIO-DMESG-END"
