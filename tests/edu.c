// SPDX-License-Identifier: GPL-2.0
/* QEMU's edu device driven from userspace through sysfs. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/klog.h>
#include <sys/mman.h>

#include "edu.h"

#define EDU_REG_ID	0x00
#define EDU_REG_DMA_SRC	0x80
#define EDU_REG_DMA_DST	0x88
#define EDU_REG_DMA_CNT	0x90
#define EDU_REG_DMA_CMD	0x98
#define EDU_CMD_START	0x1
#define EDU_CMD_TO_RAM	0x2

int edu_sysfs_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -errno : 0;
}

static int sysfs_read_hex(const char *dir, const char *attr, unsigned long *v)
{
	char path[256];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/%s", dir, attr);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	ok = fscanf(f, "%lx", v) == 1;
	fclose(f);
	return ok ? 0 : -EINVAL;
}

static int edu_find(struct edu *edu)
{
	const char *base = "/sys/bus/pci/devices";
	struct dirent *de;
	DIR *d = opendir(base);
	int ret = -ENODEV;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char dir[300];
		unsigned long vendor, device;
		unsigned int dom, bus, dev, fn;

		if (de->d_name[0] == '.')
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", base, de->d_name);
		if (sysfs_read_hex(dir, "vendor", &vendor) ||
		    sysfs_read_hex(dir, "device", &device))
			continue;
		if (vendor != 0x1234 || device != 0x11e8)
			continue;
		if (sscanf(de->d_name, "%x:%x:%x.%x", &dom, &bus, &dev, &fn) != 4)
			continue;
		if (strlen(de->d_name) >= sizeof(edu->bdf))
			continue;
		memcpy(edu->bdf, de->d_name, strlen(de->d_name) + 1);
		edu->pci_domain = dom;
		edu->pci_bdf = bus << 8 | dev << 3 | fn;
		ret = 0;
		break;
	}
	closedir(d);
	return ret;
}

int edu_bind_driver(struct edu *edu)
{
	char path[256];
	int ret;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override",
		 edu->bdf);
	ret = edu_sysfs_write(path, "pvfio-pci");
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "/sys/bus/pci/drivers/pvfio-pci/%s",
		 edu->bdf);
	if (!access(path, F_OK))
		return 0;
	return edu_sysfs_write("/sys/bus/pci/drivers_probe", edu->bdf);
}

int edu_unbind_driver(struct edu *edu)
{
	return edu_sysfs_write("/sys/bus/pci/drivers/pvfio-pci/unbind", edu->bdf);
}

int edu_enable_bus_master(struct edu *edu)
{
	char path[256];
	uint16_t cmd;
	int fd, ret = 0;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", edu->bdf);
	fd = open(path, O_RDWR);
	if (fd < 0)
		return -errno;
	if (pread(fd, &cmd, 2, 4) != 2) {
		ret = -EIO;
	} else {
		cmd |= 0x6;	/* memory space, bus master */
		if (pwrite(fd, &cmd, 2, 4) != 2)
			ret = -EIO;
	}
	close(fd);
	return ret;
}

int edu_open(struct edu *edu)
{
	char path[256];
	void *bar;
	int fd, ret;

	memset(edu, 0, sizeof(*edu));
	ret = edu_find(edu);
	if (ret)
		return ret;
	ret = edu_bind_driver(edu);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0",
		 edu->bdf);
	fd = open(path, O_RDWR | O_SYNC);
	if (fd < 0)
		return -errno;
	bar = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (bar == MAP_FAILED)
		return -errno;
	edu->mmio = bar;
	if (edu->mmio[EDU_REG_ID / 4] != 0x010000ed)
		return -ENODEV;
	return 0;
}

void edu_close(struct edu *edu)
{
	char path[256];

	if (edu->mmio)
		munmap((void *)edu->mmio, 4096);
	edu->mmio = NULL;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override",
		 edu->bdf);
	edu_sysfs_write(path, "\n");
}

int edu_dma(struct edu *edu, uint64_t iova, uint32_t edu_off, uint32_t len,
	    bool to_ram)
{
	struct timespec start, now;

	/* edu aborts QEMU on an address past its 28 bits: never send one. */
	if (iova + len > EDU_DMA_LIMIT || edu_off + len > EDU_BUF_SIZE)
		return -EINVAL;
	if (to_ram) {
		edu->mmio[EDU_REG_DMA_SRC / 4] = EDU_BUF_ADDR + edu_off;
		edu->mmio[EDU_REG_DMA_DST / 4] = iova;
	} else {
		edu->mmio[EDU_REG_DMA_SRC / 4] = iova;
		edu->mmio[EDU_REG_DMA_DST / 4] = EDU_BUF_ADDR + edu_off;
	}
	edu->mmio[EDU_REG_DMA_CNT / 4] = len;
	edu->mmio[EDU_REG_DMA_CMD / 4] = EDU_CMD_START |
					 (to_ram ? EDU_CMD_TO_RAM : 0);
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (edu->mmio[EDU_REG_DMA_CMD / 4] & EDU_CMD_START) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec > 10)
			return -ETIMEDOUT;
		usleep(1000);
	}
	return 0;
}

const char *edu_iommu_kind(void)
{
	static char kind[32];
	char line[4096], *p;
	FILE *f = fopen("/proc/cmdline", "r");

	kind[0] = 0;
	if (!f)
		return kind;
	if (fgets(line, sizeof(line), f)) {
		p = strstr(line, "pvfio.iommu=");
		if (p)
			sscanf(p + strlen("pvfio.iommu="), "%31[a-z0-9]", kind);
	}
	fclose(f);
	return kind;
}

static size_t edu_log_seen;

bool edu_fault_logged(void)
{
	static const char *const patterns[] = {
		"DMAR: [DMA",		/* VT-d fault record */
		"fault from EP",	/* virtio-iommu */
		"event 0x10",		/* SMMUv3 translation fault */
		"IO_PAGE_FAULT",	/* AMD-Vi, when QEMU reports one */
	};
	int len = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	bool found = false;
	char *buf;
	size_t i;
	int n;

	if (len <= 0)
		return false;
	buf = calloc(1, len + 1);
	if (!buf)
		return false;
	n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, len);
	if (n > 0) {
		buf[n] = 0;
		/* Only what was logged since the last look counts. */
		if ((size_t)n > edu_log_seen)
			for (i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++)
				if (strstr(buf + edu_log_seen, patterns[i]))
					found = true;
		edu_log_seen = n;
	}
	free(buf);
	return found;
}
