// SPDX-License-Identifier: GPL-2.0
/* Shared helpers of the pvfio cmocka suites. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <libkmod.h>

#include "pvfio_test.h"

static const char *pvfio_ko_path(void)
{
	const char *path = getenv("PVFIO_KO");

	return path ? path : "module/pvfio.ko";
}

int pvfio_fixture_load(const char *params)
{
	struct kmod_module *mod = NULL;
	struct kmod_ctx *kctx;
	int ret;

	kctx = kmod_new(NULL, NULL);
	if (!kctx) {
		fprintf(stderr, "# kmod_new failed\n");
		return -1;
	}
	ret = kmod_module_new_from_path(kctx, pvfio_ko_path(), &mod);
	if (ret) {
		fprintf(stderr, "# %s: %s\n", pvfio_ko_path(), strerror(-ret));
		goto out_unref_ctx;
	}
	ret = kmod_module_insert_module(mod, 0, params);
	if (ret)
		fprintf(stderr, "# insert %s %s: %s\n", pvfio_ko_path(), params,
			strerror(-ret));
	kmod_module_unref(mod);
out_unref_ctx:
	kmod_unref(kctx);
	return ret ? -1 : 0;
}

static int pvfio_check_nothing_left(void)
{
	struct pvfio_test_stats stats;
	int fd, ret;

	fd = pvfio_open();
	if (fd < 0)
		return -1;
	ret = pvfio_test_stats(fd, &stats);
	close(fd);
	if (ret) {
		fprintf(stderr, "# stats: %s\n", strerror(-ret));
		return -1;
	}
	/* The context used for asking is the only one allowed. */
	if (stats.out_contexts != 1 || stats.out_objects ||
	    stats.out_pinned_pages) {
		fprintf(stderr,
			"# leak: contexts %llu objects %llu pinned pages %llu\n",
			(unsigned long long)stats.out_contexts,
			(unsigned long long)stats.out_objects,
			(unsigned long long)stats.out_pinned_pages);
		return -1;
	}
	return 0;
}

int pvfio_fixture_unload(bool test_ops)
{
	struct kmod_module *mod = NULL;
	struct kmod_ctx *kctx;
	struct stat st;
	int ret = 0;

	if (test_ops && pvfio_check_nothing_left())
		ret = -1;

	kctx = kmod_new(NULL, NULL);
	if (!kctx)
		return -1;
	if (kmod_module_new_from_name(kctx, "pvfio", &mod) ||
	    kmod_module_remove_module(mod, 0)) {
		fprintf(stderr, "# removing pvfio failed: %m\n");
		ret = -1;
	}
	kmod_module_unref(mod);
	kmod_unref(kctx);
	if (!stat("/sys/module/pvfio", &st)) {
		fprintf(stderr, "# /sys/module/pvfio still exists\n");
		ret = -1;
	}
	return ret;
}

int pvfio_open(void)
{
	int fd = open(PVFIO_DEV, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		fprintf(stderr, "# open %s: %m\n", PVFIO_DEV);
	return fd;
}

int pvfio_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

int pvfio_ioas_alloc(int fd, uint32_t *id)
{
	struct pvfio_ioas_alloc cmd = { .size = sizeof(cmd) };
	int ret = pvfio_ioctl(fd, PVFIO_IOAS_ALLOC, &cmd);

	if (!ret)
		*id = cmd.out_ioas_id;
	return ret;
}

int pvfio_destroy(int fd, uint32_t id)
{
	struct pvfio_destroy cmd = { .size = sizeof(cmd), .id = id };

	return pvfio_ioctl(fd, PVFIO_DESTROY, &cmd);
}

int pvfio_test_stats(int fd, struct pvfio_test_stats *stats)
{
	struct pvfio_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = PVFIO_TEST_OP_STATS,
	};
	int ret = pvfio_ioctl(fd, PVFIO_TEST, &cmd);

	if (!ret)
		*stats = cmd.stats;
	return ret;
}

uint64_t pvfio_nr_objects(void)
{
	struct pvfio_test_stats stats = { 0 };
	int fd = pvfio_open();

	if (fd >= 0) {
		if (pvfio_test_stats(fd, &stats))
			stats.out_objects = UINT64_MAX;
		close(fd);
	}
	return stats.out_objects;
}

long long pvfio_vmstat(const char *name)
{
	char key[128];
	long long val;
	FILE *f;

	f = fopen("/proc/vmstat", "r");
	if (!f)
		return -1;
	while (fscanf(f, "%127s %lld", key, &val) == 2) {
		if (!strcmp(key, name)) {
			fclose(f);
			return val;
		}
	}
	fclose(f);
	return -1;
}
