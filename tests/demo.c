// SPDX-License-Identifier: GPL-2.0
/*
 * `make demo`: pvfio end to end on a VM with an emulated Intel VT-d and the
 * edu DMA device, narrated for a newcomer.  Every number printed is read
 * back from the kernel or from memory the device wrote.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "edu.h"
#include "pvfio_test.h"

#define IOVA_IN 0x1000000UL
#define IOVA_OUT 0x1800000UL

static void step(const char *detail, const char *what)
{
	printf("\n== %s\n", what);
	if (detail)
		printf("   %s\n", detail);
}

static int die(const char *what, int err)
{
	printf("!! %s: %s\n", what, strerror(-err));
	return 1;
}

static void show(const char *label, const char *buf)
{
	printf("   %-28s \"%.40s\"\n", label, buf);
}

int main(void)
{
	struct pvfio_iova_range ranges[8];
	struct pvfio_ioas_iova_ranges rcmd = { .size = sizeof(rcmd) };
	struct pvfio_device_bind bind = { .size = sizeof(bind) };
	struct pvfio_device_info info = { .size = sizeof(info) };
	struct pvfio_device_attach att = { .size = sizeof(att) };
	uint32_t ioas_a, ioas_b, i;
	uint64_t iova, unmapped;
	char *in_a, *in_b, *out;
	struct pvfio_access_event ev[4];
	struct edu edu;
	long long acq0, rel0;
	int fd, afd, ret, n;
	uint32_t pin;

	acq0 = pvfio_vmstat("nr_foll_pin_acquired");
	rel0 = pvfio_vmstat("nr_foll_pin_released");

	step("insmod module/pvfio.ko through libkmod", "Loading pvfio");
	if (pvfio_fixture_load(""))
		return die("load", -EIO);
	fd = pvfio_open();
	if (fd < 0)
		return 1;
	printf("   /dev/pvfio is open: this file is a context, its objects are its own\n");

	step(NULL, "An I/O address space (IOAS)");
	ret = pvfio_ioas_alloc(fd, &ioas_a);
	if (ret)
		return die("IOAS_ALLOC", ret);
	printf("   IOAS_ALLOC -> IOAS id %u\n", ioas_a);

	step("echo pvfio-pci > driver_override; echo BDF > drivers_probe", "Handing the edu device to pvfio-pci");
	ret = edu_open(&edu);
	if (ret)
		return die("edu", ret);
	bind.pci_domain = edu.pci_domain;
	bind.pci_bdf = edu.pci_bdf;
	ret = pvfio_ioctl(fd, PVFIO_DEVICE_BIND, &bind);
	if (ret)
		return die("DEVICE_BIND", ret);
	info.dev_id = bind.out_dev_id;
	info.num_reserved = 8;
	info.reserved_regions = (uintptr_t)ranges;
	ret = pvfio_ioctl(fd, PVFIO_DEVICE_INFO, &info);
	if (ret)
		return die("DEVICE_INFO", ret);
	printf("   DEVICE_BIND %s -> device id %u (DMA blocked until attached)\n",
	       edu.bdf, bind.out_dev_id);
	printf("   DEVICE_INFO: IOMMU %s, page sizes %#llx, %u reserved region(s):\n",
	       info.out_iommu_name, (unsigned long long)info.out_pgsize_bitmap,
	       info.num_reserved);
	for (i = 0; i < info.num_reserved; i++)
		printf("     [%#llx - %#llx]\n",
		       (unsigned long long)ranges[i].start,
		       (unsigned long long)ranges[i].last);
	edu_enable_bus_master(&edu);

	step(NULL, "Attaching the device: pvfio builds a VT-d page table for the IOAS");
	att.dev_id = bind.out_dev_id;
	att.pt_id = ioas_a;
	ret = pvfio_ioctl(fd, PVFIO_DEVICE_ATTACH, &att);
	if (ret)
		return die("DEVICE_ATTACH", ret);
	printf("   DEVICE_ATTACH to IOAS %u -> HW page table id %u\n", ioas_a,
	       att.pt_id);
	rcmd.ioas_id = ioas_a;
	rcmd.num_iovas = 8;
	rcmd.allowed_iovas = (uintptr_t)ranges;
	ret = pvfio_ioctl(fd, PVFIO_IOAS_IOVA_RANGES, &rcmd);
	if (ret)
		return die("IOVA_RANGES", ret);
	printf("   IOVA_RANGES: usable IOVA now (aperture minus reserved), alignment %#llx:\n",
	       (unsigned long long)rcmd.out_iova_alignment);
	for (i = 0; i < rcmd.num_iovas; i++)
		printf("     [%#llx - %#llx]\n",
		       (unsigned long long)ranges[i].start,
		       (unsigned long long)ranges[i].last);

	step(NULL, "Mapping user memory into the IOAS");
	in_a = pvfio_alloc(PAGE, PAGE);
	in_b = pvfio_alloc(PAGE, PAGE);
	out = pvfio_alloc(PAGE, PAGE);
	strcpy(in_a, "Hello from buffer A, through VT-d!");
	strcpy(in_b, "Buffer B answers after the replace.");
	iova = IOVA_IN;
	ret = pvfio_map(fd, ioas_a, in_a, PAGE, &iova,
			FIXED | PVFIO_IOAS_MAP_READABLE);
	if (ret)
		return die("IOAS_MAP", ret);
	printf("   IOAS_MAP buffer A (user %p) at IOVA %#lx, read-only for the device\n",
	       (void *)in_a, IOVA_IN);
	iova = IOVA_OUT;
	ret = pvfio_map(fd, ioas_a, out, PAGE, &iova, FIXED | RW);
	if (ret)
		return die("IOAS_MAP", ret);
	printf("   IOAS_MAP output buffer (user %p) at IOVA %#lx, read-write\n",
	       (void *)out, IOVA_OUT);
	printf("   The pages are pinned once and charged to RLIMIT_MEMLOCK: VmLck is %ld kB\n",
	       pvfio_vmlck_kb());

	step("edu reads IOVA 0x1000000 into its buffer, then writes it to IOVA 0x1800000", "A real DMA through the IOMMU");
	memset(out, 0, PAGE);
	if (edu_dma(&edu, IOVA_IN, 0, 64, false) ||
	    edu_dma(&edu, IOVA_OUT, 0, 64, true))
		return die("edu DMA", -ETIMEDOUT);
	show("buffer A:", in_a);
	show("output buffer after DMA:", out);
	printf("   %s\n", strcmp(in_a, out) ? "MISMATCH" :
	       "the device read A and wrote the output through VT-d: bytes match");

	step(NULL, "Unmapping the output buffer, then letting the device write there");
	ret = pvfio_unmap(fd, ioas_a, IOVA_OUT, PAGE, &unmapped);
	if (ret)
		return die("IOAS_UNMAP", ret);
	printf("   IOAS_UNMAP IOVA %#lx -> %llu bytes unmapped (IOTLB flushed, then unpinned)\n",
	       IOVA_OUT, (unsigned long long)unmapped);
	memset(out, '.', 40);
	out[40] = 0;
	edu_fault_logged();
	edu_dma(&edu, IOVA_OUT, 0, 64, true);
	usleep(200000);
	show("output buffer after DMA:", out);
	printf("   nothing arrived; the kernel log %s a DMA fault (see the DMAR line above)\n",
	       edu_fault_logged() ? "reports" : "does not report");
	iova = IOVA_OUT;
	pvfio_map(fd, ioas_a, out, PAGE, &iova, FIXED | RW);

	step(NULL, "Replace: moving the device to a second IOAS");
	ret = pvfio_ioas_alloc(fd, &ioas_b);
	if (ret)
		return die("IOAS_ALLOC", ret);
	iova = IOVA_IN;
	pvfio_map(fd, ioas_b, in_b, PAGE, &iova, FIXED | RW);
	iova = IOVA_OUT;
	pvfio_map(fd, ioas_b, out, PAGE, &iova, FIXED | RW);
	printf("   IOAS %u maps buffer B at the same IOVA %#lx\n", ioas_b, IOVA_IN);
	att.pt_id = ioas_b;
	ret = pvfio_ioctl(fd, PVFIO_DEVICE_ATTACH, &att);
	if (ret)
		return die("DEVICE_ATTACH (replace)", ret);
	printf("   DEVICE_ATTACH while attached = replace -> HW page table id %u\n",
	       att.pt_id);
	memset(out, 0, PAGE);
	edu_dma(&edu, IOVA_IN, 0, 64, false);
	edu_dma(&edu, IOVA_OUT, 0, 64, true);
	show("output buffer after DMA:", out);
	printf("   %s\n", strcmp(in_b, out) ? "MISMATCH" :
	       "same IOVA, new address space: the device now reads buffer B");

	step("the consumer an emulated device uses: pins IOVA, copies through the CPU", "An access on IOAS B");
	afd = pvfio_access_create(fd, ioas_b, 0, 0);
	if (afd < 0)
		return die("ACCESS_CREATE", afd);
	printf("   ACCESS_CREATE on IOAS %u -> access fd %d\n", ioas_b, afd);
	ret = pvfio_access_pin(afd, IOVA_IN, PAGE, 0, &pin);
	if (ret)
		return die("ACCESS_PIN", ret);
	printf("   ACCESS_PIN IOVA %#lx, 1 page -> pin id %u (the IOAS's own pinned page)\n",
	       IOVA_IN, pin);
	ret = pvfio_access_rw(afd, IOVA_IN, "Written by the CPU via ACCESS_RW!",
			      34, true);
	if (ret)
		return die("ACCESS_RW", ret);
	printf("   ACCESS_RW wrote a string at IOVA %#lx\n", IOVA_IN);
	show("buffer B now holds:", in_b);
	memset(out, 0, PAGE);
	edu_dma(&edu, IOVA_IN, 0, 64, false);
	edu_dma(&edu, IOVA_OUT, 0, 64, true);
	show("the device reads via VT-d:", out);

	step(NULL, "Unmap notification: IOAS_UNMAP of a range the access pinned");
	ret = pvfio_unmap(fd, ioas_b, IOVA_IN, PAGE, &unmapped);
	if (ret)
		return die("IOAS_UNMAP", ret);
	printf("   IOAS_UNMAP IOVA %#lx -> %llu bytes: pvfio called the access back first\n",
	       IOVA_IN, (unsigned long long)unmapped);
	n = pvfio_access_events(afd, ev, 4);
	for (i = 0; i < (uint32_t)n; i++)
		printf("   read(access fd): unmap event [%#llx + %#llx], revoked pin id %u\n",
		       (unsigned long long)ev[i].iova,
		       (unsigned long long)ev[i].length, ev[i].pin_ids[0]);
	printf("   ACCESS_UNPIN of that pin now: %s\n",
	       strerror(-pvfio_access_unpin(afd, pin)));

	step(NULL, "Replacing the access onto IOAS A");
	ret = pvfio_access_pin(afd, IOVA_OUT, PAGE, PVFIO_ACCESS_RW_WRITE, &pin);
	if (ret)
		return die("ACCESS_PIN", ret);
	printf("   ACCESS_PIN IOVA %#lx on IOAS %u -> pin id %u\n", IOVA_OUT,
	       ioas_b, pin);
	ret = pvfio_access_set_ioas(afd, PVFIO_ACCESS_REPLACE, ioas_a);
	if (ret)
		return die("ACCESS_REPLACE", ret);
	n = pvfio_access_events(afd, ev, 4);
	for (i = 0; i < (uint32_t)n; i++)
		printf("   read(access fd): event [%#llx + %#llx] (the whole old space), revoked pin id %u\n",
		       (unsigned long long)ev[i].iova,
		       (unsigned long long)ev[i].length, ev[i].pin_ids[0]);
	ret = pvfio_access_rw(afd, IOVA_IN, out, 40, false);
	if (ret)
		return die("ACCESS_RW", ret);
	show("ACCESS_RW reads IOVA 0x1000000:", out);
	printf("   on IOAS %u that is buffer A again\n", ioas_a);
	close(afd);

	step(NULL, "Closing the context");
	close(fd);
	printf("   everything in it is destroyed: device detached, pages unpinned\n");
	printf("   /proc/vmstat over the demo: %lld page pins taken, %lld released\n",
	       pvfio_vmstat("nr_foll_pin_acquired") - acq0,
	       pvfio_vmstat("nr_foll_pin_released") - rel0);
	edu_close(&edu);
	if (pvfio_fixture_unload(false))
		return die("unload", -EBUSY);
	printf("   rmmod pvfio: done\n");
	return 0;
}
