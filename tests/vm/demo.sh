#!/bin/bash
# `make demo`: boot the stock Debian 6.1 kernel in QEMU with an emulated
# Intel VT-d and the edu DMA device, load pvfio and run tests/demo.c, which
# narrates a real DMA through an IOAS mapping, a fault after unmap, a
# device replace, an access and a migration round of dirty tracking (whose
# bitmaps it checks: a wrong one fails the demo).  Prints the transcript;
# the whole console log is kept.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TOP=$(cd "$PVFIO_VM_DIR/../.." && pwd)
OUT=${PVFIO_OUT:-$TOP/tests/vm/out}/demo
CELL=6.1-vtd
k=$(cell_kernel "$CELL")

ensure_apt_lists
ensure_host_pkgs gcc make libcmocka-dev libkmod-dev kmod
bash "$PVFIO_VM_DIR/fetch.sh" "$k"
rm -rf "$OUT"
mkdir -p "$OUT/payload"
log "building pvfio for $k and the demo program"
bash "$PVFIO_VM_DIR/build-module.sh" "$k" "$TOP" "$OUT/ko" >&2
make -s -C "$TOP/tests" >&2
cp "$OUT/ko/pvfio.ko" "$TOP/tests/build/x86_64-linux-gnu/demo" \
	"$TOP/tests/build/x86_64-linux-gnu/ifd_demo" "$OUT/payload/"
# Part two: an iommufd-ABI program on the same stock kernel.  Its guest has
# no udevd: the script makes the /dev/iommu link the udev rule
# (udev/60-pvfio.rules) makes on a real system.
cat >"$OUT/payload/guest-run" <<'GUEST'
#!/bin/sh
export PVFIO_KO=/pvfio/pvfio.ko
echo PVFIO-DEMO-BEGIN
/pvfio/demo
rc=$?
if [ $rc = 0 ]; then
	echo
	echo "######## Part two: iommufd's ABI on a kernel without iommufd"
	echo
	echo "== uname -r: $(uname -r); /dev/iommu before pvfio: $(ls /dev/iommu 2>&1)"
	echo "== insmod pvfio.ko enable_test_ops=1 (the test interface, as CONFIG_IOMMUFD_TEST)"
	insmod /pvfio/pvfio.ko enable_test_ops=1 && ln -s pvfio-iommufd /dev/iommu &&
		echo "   /dev/iommu -> $(readlink /dev/iommu)" && /pvfio/ifd_demo
	rc=$?
	rm -f /dev/iommu
	rmmod pvfio || rc=1
fi
echo "PVFIO-DEMO-END rc=$rc"
GUEST
chmod +x "$OUT/payload/guest-run"
bash "$PVFIO_VM_DIR/mkinitramfs.sh" "$k" "$OUT/payload" "$OUT/initrd.cpio.gz" >&2
log "booting $CELL: QEMU (TCG) with intel-iommu and edu"
bash "$PVFIO_VM_DIR/boot.sh" "$CELL" "$OUT/initrd.cpio.gz" "$OUT/console.log" 300 >&2 || true

# The demo's own lines, and the kernel's lines about pvfio and VT-d faults.
awk '{ sub(/\r$/, "") }
     /^PVFIO-DEMO-BEGIN/ { on = 1; next }
     /^PVFIO-DEMO-END/ { on = 0; rc = $2; next }
     on && (!/^\[ *[0-9]+\.[0-9]+\]/ || /pvfio|DMAR: \[DMA|fault addr/)' "$OUT/console.log"
echo
echo "(whole console log: ${OUT#"$TOP"/}/console.log)"
grep -q '^PVFIO-DEMO-END rc=0' <(tr -d '\r' <"$OUT/console.log")
