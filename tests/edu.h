/* SPDX-License-Identifier: GPL-2.0 */
/*
 * QEMU's edu device driven from userspace: the real DMA engine of the VM
 * tests.  Its DMA goes through the IOMMU, so what arrives in RAM is what the
 * page table pvfio built says.
 */
#ifndef PVFIO_EDU_H
#define PVFIO_EDU_H

#include <stdbool.h>
#include <stdint.h>

#define EDU_BUF_ADDR 0x40000	/* the device's own 4 KiB buffer */
#define EDU_BUF_SIZE 4096
#define EDU_DMA_LIMIT (1UL << 28)	/* edu addresses 28 bits */

struct edu {
	char bdf[32];		/* 0000:00:04.0 */
	uint32_t pci_domain;
	uint32_t pci_bdf;
	volatile uint32_t *mmio;
};

/* Find edu, hand it to pvfio-pci, map its BAR.  0 or -errno. */
int edu_open(struct edu *edu);
void edu_close(struct edu *edu);
/* Hand the device to pvfio-pci (driver_override + probe) or take it away. */
int edu_bind_driver(struct edu *edu);
int edu_unbind_driver(struct edu *edu);
/* Set bus mastering in the command register. */
int edu_enable_bus_master(struct edu *edu);
/*
 * One DMA: RAM at @iova -> edu buffer (@to_ram false) or edu buffer -> RAM
 * at @iova (@to_ram true).  Waits for completion.  0 or -ETIMEDOUT.
 */
int edu_dma(struct edu *edu, uint64_t iova, uint32_t edu_off, uint32_t len,
	    bool to_ram);
/* The IOMMU this VM was booted with (pvfio.iommu= on the command line). */
const char *edu_iommu_kind(void);

/* Write @val to the sysfs file @path: 0 or -errno. */
int edu_sysfs_write(const char *path, const char *val);
/* Whether the kernel log gained a DMA fault report since the last call. */
bool edu_fault_logged(void);

#endif /* PVFIO_EDU_H */
