// SPDX-License-Identifier: GPL-2.0
/*
 * `make demo`: pvfio end to end on a VM with an emulated Intel VT-d and the
 * edu DMA device, narrated for a newcomer.  Every number printed is read
 * back from the kernel or from memory the device wrote.  The migration
 * round (dirty tracking) checks every bitmap it prints against what
 * uapi/pvfio.h documents and fails the demo if one differs.
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

/* ------------------------------------------------ the migration round */

#define IOVA_RAM 0x2000000UL	/* the "guest RAM" of the migration round */
#define RAM_PAGES 16
#define ROM_PAGES 4		/* read-only, right after the RAM */
#define ALL_PAGES (RAM_PAGES + ROM_PAGES)
#define RAM_ALL ((1ULL << RAM_PAGES) - 1)
#define PG(n) (1ULL << (n))

/*
 * Bit n of @bits as a page map, @set or '.', a space between the RAM and
 * the ROM.
 */
static void show_pages(const char *label, uint64_t bits, int npages, char set)
{
	char s[72];
	int i, n = 0;

	for (i = 0; i < npages; i++) {
		if (i == RAM_PAGES)
			s[n++] = ' ';
		s[n++] = bits & PG(i) ? set : '.';
	}
	s[n] = 0;
	printf("     %-12s %s\n", label, s);
}

/* The pages of [start, last], as bits of the round's map. */
static uint64_t range_bits(const struct pvfio_iova_range *r)
{
	uint64_t bits = 0, iova;

	for (iova = r->start; iova <= r->last && iova < IOVA_RAM + ALL_PAGES * PAGE;
	     iova += PAGE)
		if (iova >= IOVA_RAM)
			bits |= PG((iova - IOVA_RAM) / PAGE);
	return bits;
}

/*
 * GET_DIRTY_BITMAP of the round's 20 pages, printed as a page map with the
 * pessimistic ranges the kernel named; 0 if the bitmap is @want and the
 * pessimistic pages are @want_pess, else 1 (the demo then fails).
 */
static int read_dirty(int fd, uint32_t ioas, bool clear, uint64_t want,
		      uint64_t want_pess)
{
	struct pvfio_iova_range pess[4];
	struct pvfio_ioas_get_dirty_bitmap get = {
		.size = sizeof(get),
		.ioas_id = ioas,
		.flags = clear ? 0 : PVFIO_DIRTY_BITMAP_NO_CLEAR,
		.num_pessimistic = 4,
		.iova = IOVA_RAM,
		.length = ALL_PAGES * PAGE,
		.page_size = PAGE,
		.pessimistic = (uintptr_t)pess,
	};
	uint64_t bits = 0, pbits = 0;
	uint32_t i;
	int ret;

	get.data = (uintptr_t)&bits;
	ret = pvfio_ioctl(fd, PVFIO_IOAS_GET_DIRTY_BITMAP, &get);
	if (ret)
		return die("GET_DIRTY_BITMAP", ret);
	printf("   GET_DIRTY_BITMAP%s, IOVA %#lx, %d pages of 4 KiB:\n",
	       clear ? " (read and clear)" : " with NO_CLEAR", IOVA_RAM,
	       ALL_PAGES);
	printf("     %-12s %s\n", "page", "0123456789abcdef 0123 (RAM, ROM)");
	show_pages("dirty", bits, ALL_PAGES, '#');
	for (i = 0; i < get.num_pessimistic && i < 4; i++)
		pbits |= range_bits(&pess[i]);
	if (get.num_pessimistic)
		show_pages("pessimistic", pbits, ALL_PAGES, 'p');
	for (i = 0; i < get.num_pessimistic && i < 4; i++)
		printf("     pessimistic range %u: [%#llx - %#llx]\n", i,
		       (unsigned long long)pess[i].start,
		       (unsigned long long)pess[i].last);
	/* Pessimistic ranges are merged: one for the RAM, or none. */
	if (bits != want || pbits != want_pess ||
	    get.num_pessimistic != (want_pess ? 1 : 0)) {
		printf("!! expected dirty %#llx, pessimistic %#llx; got %#llx, %#llx (%u ranges)\n",
		       (unsigned long long)want, (unsigned long long)want_pess,
		       (unsigned long long)bits, (unsigned long long)pbits,
		       get.num_pessimistic);
		return 1;
	}
	return 0;
}

/* ACCESS_RW of a string to page @pg of the RAM. */
static int write_page(int afd, int pg, const char *what)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "page %d: %s", pg, what);
	return pvfio_access_rw(afd, IOVA_RAM + pg * PAGE, buf, strlen(buf) + 1,
			       true);
}

/*
 * What a VMM does to migrate a guest while an emulated device (the access)
 * and a real one (edu) write its memory: track, read what changed, clear,
 * repeat, and take the last word with the unmap.  Every bitmap is checked
 * against what the uapi says it must be: 0, or 1 if one is not.
 */
static int migration_round(int fd, struct edu *edu, uint32_t dev_id)
{
	struct pvfio_ioas_set_dirty_tracking track = {
		.size = sizeof(track), .flags = PVFIO_DIRTY_TRACKING_ENABLE,
	};
	struct pvfio_ioas_unmap unmap = {
		.size = sizeof(unmap), .iova = IOVA_RAM,
		.length = RAM_PAGES * PAGE,
		.flags = PVFIO_IOAS_UNMAP_DIRTY_BITMAP, .page_size = PAGE,
	};
	struct pvfio_access_event ev[4];
	uint32_t ioas, pt, pin_w, pin_r;
	uint64_t iova, last_word = 0;
	int afd, ret, bad = 0, n, i;
	char *ram, *rom;

	step("a VMM migrating a guest: copy its RAM while devices write it, then copy again what changed",
	     "A migration round: dirty tracking on an IOAS");
	ret = pvfio_ioas_alloc(fd, &ioas);
	if (ret)
		return die("IOAS_ALLOC", ret);
	ram = pvfio_alloc(RAM_PAGES * PAGE, PAGE);
	rom = pvfio_alloc(ROM_PAGES * PAGE, PAGE);
	memset(ram, 0, RAM_PAGES * PAGE);
	memset(rom, 0, ROM_PAGES * PAGE);
	iova = IOVA_RAM;
	ret = pvfio_map(fd, ioas, ram, RAM_PAGES * PAGE, &iova, FIXED | RW);
	iova = IOVA_RAM + RAM_PAGES * PAGE;
	ret = ret ?: pvfio_map(fd, ioas, rom, ROM_PAGES * PAGE, &iova,
			       FIXED | PVFIO_IOAS_MAP_READABLE);
	if (ret)
		return die("IOAS_MAP", ret);
	printf("   IOAS %u: guest RAM, %d pages read-write at IOVA %#lx, then a ROM, %d pages read-only\n",
	       ioas, RAM_PAGES, IOVA_RAM, ROM_PAGES);
	afd = pvfio_access_create(fd, ioas, 0, 0);
	if (afd < 0)
		return die("ACCESS_CREATE", afd);
	printf("   an access (fd %d) for an emulated device; no real device attached yet\n",
	       afd);
	track.ioas_id = ioas;
	ret = pvfio_ioctl(fd, PVFIO_IOAS_SET_DIRTY_TRACKING, &track);
	if (ret)
		return die("SET_DIRTY_TRACKING", ret);
	printf("   SET_DIRTY_TRACKING ENABLE on IOAS %u: tracking starts clean\n",
	       ioas);
	ret = write_page(afd, 2, "the emulated device wrote here");
	ret = ret ?: write_page(afd, 3, "and here");
	if (ret)
		return die("ACCESS_RW", ret);
	ret = pvfio_access_pin(afd, IOVA_RAM + 5 * PAGE, PAGE,
			       PVFIO_ACCESS_RW_WRITE, &pin_w);
	ret = ret ?: pvfio_access_pin(afd, IOVA_RAM + 17 * PAGE, PAGE, 0,
				      &pin_r);
	if (ret)
		return die("ACCESS_PIN", ret);
	printf("   the access: ACCESS_RW writes pages 2 and 3, ACCESS_PIN page 5 for write (pin %u),\n"
	       "   ROM page 1 for read only (pin %u)\n", pin_w, pin_r);
	bad |= read_dirty(fd, ioas, false, PG(2) | PG(3) | PG(5), 0);
	printf("   exactly what the access wrote or holds for write: no page table, so\n"
	       "   nothing pessimistic; the read pin and untouched pages are clean\n");

	step(NULL, "A real device joins: edu behind VT-d");
	pt = ioas;
	ret = pvfio_device_attach(fd, dev_id, &pt);
	if (ret)
		return die("DEVICE_ATTACH", ret);
	printf("   edu attached to IOAS %u (HW page table id %u)\n", ioas, pt);
	if (edu_dma(edu, IOVA_RAM + 2 * PAGE, 0, 64, false) ||
	    edu_dma(edu, IOVA_RAM + 9 * PAGE, 0, 64, true))
		return die("edu DMA", -ETIMEDOUT);
	if (memcmp(ram + 9 * PAGE, ram + 2 * PAGE, 64) || !ram[9 * PAGE]) {
		printf("!! edu's DMA did not arrive in page 9\n");
		return 1;
	}
	printf("   edu copies page 2 to page 9 by DMA: page 9 now reads \"%.40s\"\n",
	       ram + 9 * PAGE);
	bad |= read_dirty(fd, ioas, false, RAM_ALL, RAM_ALL);
	printf("   VT-d's page table has no dirty bits: every page edu can write, the whole\n"
	       "   RAM mapping, is reported dirty and named pessimistic (VFIO type1's report);\n"
	       "   that is how page 9, which edu really wrote, is not missed. Pages 2, 3 and 5\n"
	       "   are inside it; outside a pessimistic range every bit is exact: the ROM,\n"
	       "   read-only for edu and pinned only for read, is clean.\n");

	step(NULL, "Detaching edu mid-round: what it may have written stays recorded");
	ret = pvfio_device_detach(fd, dev_id);
	if (ret)
		return die("DEVICE_DETACH", ret);
	printf("   DEVICE_DETACH: IOAS %u has no page table now\n", ioas);
	bad |= read_dirty(fd, ioas, false, RAM_ALL, RAM_ALL);
	printf("   the same bits and range: recorded at the detach; the state belongs to the IOAS\n");

	step(NULL, "Read and clear, then read again");
	bad |= read_dirty(fd, ioas, true, RAM_ALL, RAM_ALL);
	bad |= read_dirty(fd, ioas, false, PG(5), 0);
	printf("   only page 5: the access still pins it for write, so it is dirty on every\n"
	       "   read. No page table, no pessimistic range: every bit is exact now.\n");
	ret = write_page(afd, 12, "written after the clear");
	if (ret)
		return die("ACCESS_RW", ret);
	printf("   ACCESS_RW writes page 12\n");
	bad |= read_dirty(fd, ioas, false, PG(5) | PG(12), 0);

	step(NULL, "The last word: IOAS_UNMAP of the RAM with PVFIO_IOAS_UNMAP_DIRTY_BITMAP");
	unmap.ioas_id = ioas;
	unmap.dirty_bitmap = (uintptr_t)&last_word;
	ret = pvfio_ioctl(fd, PVFIO_IOAS_UNMAP, &unmap);
	if (ret)
		return die("IOAS_UNMAP", ret);
	n = pvfio_access_events(afd, ev, 4);
	for (i = 0; i < n; i++)
		printf("   read(access fd): unmap event [%#llx + %#llx], revoked pin id %u\n",
		       (unsigned long long)ev[i].iova,
		       (unsigned long long)ev[i].length,
		       ev[i].nr_pins ? ev[i].pin_ids[0] : 0);
	printf("   IOAS_UNMAP IOVA %#lx -> %llu bytes unmapped, and the range's last dirty bitmap:\n",
	       IOVA_RAM, (unsigned long long)unmap.length);
	show_pages("dirty", last_word, RAM_PAGES, '#');
	if (last_word != (PG(5) | PG(12)) || n != 1 || ev[0].nr_pins != 1 ||
	    ev[0].pin_ids[0] != pin_w) {
		printf("!! expected pages 5 and 12 and one event revoking pin %u\n",
		       pin_w);
		bad = 1;
	}
	printf("   page 12, and page 5: its write pin was revoked first and counts as written\n"
	       "   once more at the unpin\n");
	bad |= read_dirty(fd, ioas, false, 0, 0);
	printf("   nothing is left: the unmap cleared what it reported\n");
	close(afd);
	if (bad)
		printf("!! the dirty bits were not what the uapi documents\n");
	return bad;
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

	if (migration_round(fd, &edu, bind.out_dev_id))
		return 1;

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
