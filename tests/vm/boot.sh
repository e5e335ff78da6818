#!/bin/bash
# boot.sh CELL INITRAMFS LOGFILE [TIMEOUT_SECONDS]
#
# Boots CELL (<kernel>-<iommu>, e.g. 6.12-virtio, arm64-6.1-smmuv3) under QEMU
# TCG with the emulated IOMMU and the edu device, with INITRAMFS (from
# mkinitramfs.sh), and writes the whole serial console to LOGFILE.
# Extra kernel command line: env PVFIO_APPEND.  PVFIO_VERBOSE=1 also echoes
# the console to stderr.  PVFIO_MEM: guest RAM in MiB (default 1024, 2048
# for the debug kernel); PVFIO_EDUS: how many edu devices (default 1; the
# benchmark uses 2), at slots 04.0, 05.0, ...
#
# Exit: 0 if the guest powered itself off after printing PVFIO-GUEST-DONE,
#       124 on timeout (default 600 s), 1 otherwise (panic, reboot, qemu error).
# shellcheck disable=SC2054,SC2100  # qemu option strings, not arithmetic/arrays
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

(($# == 3 || $# == 4)) || die "usage: $0 CELL INITRAMFS LOGFILE [TIMEOUT_SECONDS]"
cell=$1 initrd=$2 logfile=$3 tmo=${4:-600}
is_cell "$cell" || die "unknown cell '$cell' (known: ${PVFIO_CELLS[*]})"
[[ -f $initrd ]] || die "no initramfs $initrd"
kernel=$(cell_kernel "$cell") iommu=$(cell_iommu "$cell")
load_kenv "$kernel"

mem=${PVFIO_MEM:-1024}
append="iommu.strict=1 pvfio.iommu=$iommu panic=-1 panic_on_warn=1 oops=panic softlockup_panic=1 hung_task_panic=1"
if [[ $kernel == *dbg ]]; then
    # KASAN's shadow and kmemleak's object pool need room; every report
    # (KASAN, lockdep, atomic sleep, list/object debugging, kmemleak) is
    # read from the console by check.sh.  The kernel has its own iommufd.
    mem=${PVFIO_MEM:-2048}
    append="$append pvfio.debug_kernel=1 pvfio.kernel_iommufd=1 kasan.fault=report"
fi
common=(-accel tcg -m "$mem" -smp 2 -nographic -no-reboot -nic none
        -kernel "$VMLINUZ" -initrd "$initrd")
case $iommu in
    vtd)    qemu=qemu-system-x86_64
            args=(-cpu max -machine q35,kernel-irqchip=split -device intel-iommu,intremap=on,caching-mode=on)
            append="console=ttyS0 intel_iommu=on $append" ;;
    amdvi)  qemu=qemu-system-x86_64
            args=(-cpu max -machine q35,kernel-irqchip=split -device amd-iommu,intremap=on)
            append="console=ttyS0 $append" ;;
    virtio) qemu=qemu-system-x86_64
            args=(-cpu max -machine q35 -device virtio-iommu-pci)
            append="console=ttyS0 $append" ;;
    smmuv3) qemu=qemu-system-aarch64
            args=(-cpu max,pauth-impdef=on -machine virt,iommu=smmuv3)
            append="console=ttyAMA0 $append" ;;
    *) die "unknown IOMMU '$iommu'" ;;
esac
# edu at a fixed slot (00:04.0), the same under every IOMMU and on arm64 virt;
# more of them at the next slots.
for ((i = 0; i < ${PVFIO_EDUS:-1}; i++)); do
    args+=(-device "edu,addr=0$((4 + i)).0")
done
[[ -z ${PVFIO_APPEND:-} ]] || append="$append $PVFIO_APPEND"
command -v "$qemu" >/dev/null || die "$qemu not installed (run tests/vm/fetch.sh)"

mkdir -p "$(dirname "$logfile")"
log "booting $cell ($KVER) timeout ${tmo}s, console -> $logfile"
start=$(date +%s%N)
rc=0
if [[ ${PVFIO_VERBOSE:-0} == 1 ]]; then
    timeout -k 10 "$tmo" "$qemu" "${common[@]}" "${args[@]}" -append "$append" </dev/null 2>&1 \
        | tee "$logfile" >&2 || rc=${PIPESTATUS[0]}
else
    timeout -k 10 "$tmo" "$qemu" "${common[@]}" "${args[@]}" -append "$append" </dev/null >"$logfile" 2>&1 || rc=$?
fi
ds=$((($(date +%s%N) - start) / 100000000))
secs=$((ds / 10)).$((ds % 10))

if ((rc == 124 || rc == 137)); then
    log "$cell: TIMEOUT after ${tmo}s (log: $logfile)"
    exit 124
fi
clean=$(tr -d '\r' <"$logfile")
if ((rc != 0)); then
    log "$cell: qemu exited with $rc after ${secs}s (log: $logfile)"; tail -n 5 "$logfile" >&2; exit 1
fi
if grep -qE 'Kernel panic|reboot: Restarting system' <<<"$clean"; then
    log "$cell: guest panicked or rebooted after ${secs}s (log: $logfile)"
    grep -m3 -E 'Kernel panic|BUG:|WARNING:|Oops' <<<"$clean" >&2 || true
    exit 1
fi
if ! grep -qx 'PVFIO-GUEST-DONE' <<<"$clean" || ! grep -q 'reboot: Power down' <<<"$clean"; then
    log "$cell: guest stopped without PVFIO-GUEST-DONE + power down after ${secs}s (log: $logfile)"
    tail -n 5 "$logfile" >&2; exit 1
fi
log "$cell: powered off after ${secs}s, $(grep -m1 '^PVFIO-GUEST-RUN-RC=' <<<"$clean" || echo 'no guest-run')"
