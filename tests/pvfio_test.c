// SPDX-License-Identifier: GPL-2.0
/* Shared helpers of the pvfio cmocka suites. */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <grp.h>

#include <libkmod.h>

#include "pvfio_test.h"

static const char *pvfio_ko_path(void)
{
	const char *path = getenv("PVFIO_KO");

	return path ? path : "module/pvfio.ko";
}

int pvfio_kmod_insert(const char *path, const char *params)
{
	struct kmod_module *mod = NULL;
	struct kmod_ctx *kctx;
	int ret;

	kctx = kmod_new(NULL, NULL);
	if (!kctx) {
		fprintf(stderr, "# kmod_new failed\n");
		return -1;
	}
	ret = kmod_module_new_from_path(kctx, path, &mod);
	if (ret) {
		fprintf(stderr, "# %s: %s\n", path, strerror(-ret));
		goto out_unref_ctx;
	}
	ret = kmod_module_insert_module(mod, 0, params);
	if (ret)
		fprintf(stderr, "# insert %s %s: %s\n", path, params,
			strerror(-ret));
	kmod_module_unref(mod);
out_unref_ctx:
	kmod_unref(kctx);
	return ret ? -1 : 0;
}

int pvfio_kmod_remove(const char *name)
{
	struct kmod_module *mod = NULL;
	struct kmod_ctx *kctx;
	char path[128];
	struct stat st;
	int ret = 0;

	kctx = kmod_new(NULL, NULL);
	if (!kctx)
		return -1;
	if (kmod_module_new_from_name(kctx, name, &mod) ||
	    kmod_module_remove_module(mod, 0)) {
		fprintf(stderr, "# removing %s failed: %m\n", name);
		ret = -1;
	}
	kmod_module_unref(mod);
	kmod_unref(kctx);
	snprintf(path, sizeof(path), "/sys/module/%s", name);
	if (!stat(path, &st)) {
		fprintf(stderr, "# %s still exists\n", path);
		ret = -1;
	}
	return ret;
}

int pvfio_fixture_load(const char *params)
{
	return pvfio_kmod_insert(pvfio_ko_path(), params);
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
	    stats.out_pinned_pages || stats.out_accesses ||
	    stats.out_access_pins) {
		fprintf(stderr,
			"# leak: contexts %llu objects %llu pinned pages %llu accesses %llu access pins %llu\n",
			(unsigned long long)stats.out_contexts,
			(unsigned long long)stats.out_objects,
			(unsigned long long)stats.out_pinned_pages,
			(unsigned long long)stats.out_accesses,
			(unsigned long long)stats.out_access_pins);
		return -1;
	}
	return 0;
}

int pvfio_fixture_unload(bool test_ops)
{
	int ret = 0;

	if (test_ops && pvfio_check_nothing_left())
		ret = -1;

	if (pvfio_kmod_remove("pvfio"))
		ret = -1;
	return ret;
}

int pvfio_group_setup_test_ops(void **state)
{
	(void)state;
	return pvfio_fixture_load("enable_test_ops=1");
}

int pvfio_group_teardown_test_ops(void **state)
{
	(void)state;
	return pvfio_fixture_unload(true);
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

	/* Fold the per-CPU deltas in, or the counters lag behind. */
	f = fopen("/proc/sys/vm/stat_refresh", "w");
	if (f) {
		fputs("1", f);
		fclose(f);
	}
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

int pvfio_map(int fd, uint32_t ioas, void *buf, uint64_t len, uint64_t *iova,
	      uint32_t flags)
{
	struct pvfio_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.ioas_id = ioas,
		.user_va = (uintptr_t)buf,
		.length = len,
		.iova = iova ? *iova : 0,
	};
	int ret = pvfio_ioctl(fd, PVFIO_IOAS_MAP, &cmd);

	if (!ret && iova)
		*iova = cmd.iova;
	return ret;
}

int pvfio_unmap(int fd, uint32_t ioas, uint64_t iova, uint64_t len,
		uint64_t *unmapped)
{
	struct pvfio_ioas_unmap cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas,
		.iova = iova,
		.length = len,
	};
	int ret = pvfio_ioctl(fd, PVFIO_IOAS_UNMAP, &cmd);

	if (unmapped)
		*unmapped = ret ? 0 : cmd.length;
	return ret;
}

int pvfio_mock_device(int fd, uint32_t ioas, uint32_t *dev)
{
	struct pvfio_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = PVFIO_TEST_OP_MOCK_DEVICE,
		.id = ioas,
	};
	int ret = pvfio_ioctl(fd, PVFIO_TEST, &cmd);

	if (!ret)
		*dev = cmd.mock_device.out_device_id;
	return ret;
}

int pvfio_check_map(int fd, uint32_t mock_dev, uint64_t iova, void *buf,
		    uint64_t len)
{
	struct pvfio_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = PVFIO_TEST_OP_CHECK_MAP,
		.id = mock_dev,
		.check_map = { .iova = iova, .length = len,
			       .uptr = (uintptr_t)buf },
	};

	return pvfio_ioctl(fd, PVFIO_TEST, &cmd);
}

int pvfio_check_refs(int fd, void *buf, uint64_t len, bool pinned)
{
	struct pvfio_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = PVFIO_TEST_OP_CHECK_REFS,
		.check_refs = { .uptr = (uintptr_t)buf, .length = len,
				.pinned = pinned },
	};

	return pvfio_ioctl(fd, PVFIO_TEST, &cmd);
}

uint64_t pvfio_mock_map_calls(int fd, uint32_t mock_dev)
{
	struct pvfio_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = PVFIO_TEST_OP_MOCK_MAP_CALLS,
		.id = mock_dev,
	};

	if (pvfio_ioctl(fd, PVFIO_TEST, &cmd))
		return UINT64_MAX;
	return cmd.mock_map_calls.out_map_calls;
}

uint64_t pvfio_pinned_pages(void)
{
	struct pvfio_test_stats stats = { .out_pinned_pages = UINT64_MAX };
	int fd = pvfio_open();

	if (fd >= 0) {
		pvfio_test_stats(fd, &stats);
		close(fd);
	}
	return stats.out_pinned_pages;
}

long pvfio_status_kb(pid_t pid, const char *field)
{
	char path[64], line[256];
	size_t n = strlen(field);
	long kb = -1;
	FILE *f;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/status");
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, n) && line[n] == ':') {
			if (sscanf(line + n + 1, "%ld kB", &kb) != 1)
				kb = -1;
			break;
		}
	fclose(f);
	return kb;
}

long pvfio_vmlck_kb(void)
{
	return pvfio_status_kb(0, "VmLck");
}

long pvfio_vmpin_kb(void)
{
	return pvfio_status_kb(0, "VmPin");
}

uint64_t pvfio_user_locked_vm(int fd)
{
	struct pvfio_test_stats stats;

	if (pvfio_test_stats(fd, &stats))
		return UINT64_MAX;
	return stats.out_user_locked_vm;
}

void pvfio_pin_snap(struct pvfio_pin_count *c)
{
	c->acquired = pvfio_vmstat("nr_foll_pin_acquired");
	c->released = pvfio_vmstat("nr_foll_pin_released");
}

long long pvfio_pins_acquired(const struct pvfio_pin_count *c)
{
	return pvfio_vmstat("nr_foll_pin_acquired") - c->acquired;
}

long long pvfio_pins_released(const struct pvfio_pin_count *c)
{
	return pvfio_vmstat("nr_foll_pin_released") - c->released;
}

int pvfio_option(int fd, uint32_t option_id, uint16_t op, uint32_t object_id,
		 uint64_t *val)
{
	struct pvfio_option cmd = {
		.size = sizeof(cmd), .option_id = option_id, .op = op,
		.object_id = object_id, .val64 = *val,
	};
	int ret = pvfio_ioctl(fd, PVFIO_OPTION, &cmd);

	if (!ret)
		*val = cmd.val64;
	return ret;
}

int pvfio_set_rlimit_mode(int fd, uint64_t mode)
{
	return pvfio_option(fd, PVFIO_OPTION_RLIMIT_MODE, PVFIO_OPTION_OP_SET,
			    0, &mode);
}

int pvfio_ioas_change_process(int fd)
{
	struct pvfio_ioas_change_process cmd = { .size = sizeof(cmd) };

	return pvfio_ioctl(fd, PVFIO_IOAS_CHANGE_PROCESS, &cmd);
}

int pvfio_set_memlimit(int fd, uint64_t limit_pages)
{
	struct pvfio_test_cmd cmd = {
		.size = sizeof(cmd), .op = PVFIO_TEST_OP_MEMLIMIT,
		.memlimit = { .limit_pages = limit_pages },
	};

	return pvfio_ioctl(fd, PVFIO_TEST, &cmd);
}

int pvfio_set_temp_memory_limit(int fd, uint32_t bytes)
{
	struct pvfio_test_cmd cmd = {
		.size = sizeof(cmd), .op = PVFIO_TEST_OP_SET_TEMP_MEMORY_LIMIT,
		.temp_memory_limit = { .limit = bytes },
	};

	return pvfio_ioctl(fd, PVFIO_TEST, &cmd);
}

int pvfio_map_file(int fd, uint32_t ioas, int file, uint64_t start,
		   uint64_t len, uint64_t *iova, uint32_t flags)
{
	struct pvfio_ioas_map_file cmd = {
		.size = sizeof(cmd), .flags = flags, .ioas_id = ioas,
		.fd = file, .start = start, .length = len,
		.iova = iova ? *iova : 0,
	};
	int ret = pvfio_ioctl(fd, PVFIO_IOAS_MAP_FILE, &cmd);

	if (!ret && iova)
		*iova = cmd.iova;
	return ret;
}

uint64_t pvfio_iova_alignment(int fd, uint32_t ioas)
{
	struct pvfio_iova_range r[16];
	struct pvfio_ioas_iova_ranges cmd = {
		.size = sizeof(cmd), .ioas_id = ioas, .num_iovas = 16,
		.allowed_iovas = (uintptr_t)r,
	};

	if (pvfio_ioctl(fd, PVFIO_IOAS_IOVA_RANGES, &cmd))
		return 0;
	return cmd.out_iova_alignment;
}

int pvfio_wait_child(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

int pvfio_become_nobody(void)
{
	if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
		return -errno;
	if (getuid() != 65534 || geteuid() != 65534 || getgid() != 65534)
		return -EPERM;
	return 0;
}

int pvfio_send(int fd, char c)
{
	return write(fd, &c, 1) == 1 ? 0 : -1;
}

char pvfio_recv(int fd)
{
	char c;

	return read(fd, &c, 1) == 1 ? c : 0;
}

int pvfio_drop_cap(int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	data[cap / 32].effective &= ~(1u << (cap % 32));
	data[cap / 32].permitted &= ~(1u << (cap % 32));
	if (syscall(SYS_capset, &hdr, data))
		return -errno;
	return 0;
}

void *pvfio_alloc(size_t len, size_t align)
{
	size_t total = len + align;
	char *p = mmap(NULL, total, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uintptr_t start;

	if (p == MAP_FAILED)
		return NULL;
	start = ((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1);
	/* Trim to exactly [start, start + len). */
	if (start > (uintptr_t)p)
		munmap(p, start - (uintptr_t)p);
	if ((uintptr_t)p + total > start + len)
		munmap((void *)(start + len), (uintptr_t)p + total - start - len);
	memset((void *)start, 0, len);
	return (void *)start;
}

#define SIZE_TAIL 64

/* Build a command of @user_size bytes; @tail_byte goes past the struct. */
static int size_try(int fd, const struct pvfio_size_case *c, size_t user_size,
		    unsigned char tail_byte)
{
	unsigned char buf[512 + SIZE_TAIL];

	memset(buf, 0, sizeof(buf));
	c->prepare(fd, buf);
	*(uint32_t *)buf = user_size;
	if (user_size > c->size)
		buf[user_size - 1] = tail_byte;
	return pvfio_ioctl(fd, c->ioctl, buf);
}

/*
 * Like size_try() for sizes up to and past a page: the command sits at the
 * start of two zeroed pages, so a claimed size of a page or less has a
 * readable, zero tail.
 */
static int size_try_big(int fd, const struct pvfio_size_case *c,
			uint32_t user_size)
{
	static unsigned char big[2 * PAGE] __attribute__((aligned(PAGE)));

	memset(big, 0, sizeof(big));
	c->prepare(fd, big);
	*(uint32_t *)big = user_size;
	return pvfio_ioctl(fd, c->ioctl, big);
}

void pvfio_check_size_rules(int fd, const struct pvfio_size_case *c)
{
	uint64_t before, pinned;

	print_message("# %s: size %zu, mandatory %zu\n", c->name, c->size,
		      c->min_size);
	/* Too short to reach the last mandatory field. */
	assert_errno(size_try(fd, c, 0, 0), EINVAL);
	assert_errno(size_try(fd, c, 4, 0), EINVAL);
	assert_errno(size_try(fd, c, c->min_size - 1, 0), EINVAL);
	/* Exactly the mandatory part, exactly the struct. */
	assert_ok(size_try(fd, c, c->min_size, 0));
	assert_ok(size_try(fd, c, c->size, 0));
	/* Longer, zero tail: accepted as if it was not there. */
	assert_ok(size_try(fd, c, c->size + 1, 0));
	assert_ok(size_try(fd, c, c->size + SIZE_TAIL, 0));
	assert_ok(size_try_big(fd, c, PAGE));
	/* Longer, non-zero tail: E2BIG, and nothing happened. */
	before = pvfio_nr_objects();
	pinned = pvfio_pinned_pages();
	assert_errno(size_try(fd, c, c->size + 1, 0xff), E2BIG);
	assert_errno(size_try(fd, c, c->size + SIZE_TAIL, 1), E2BIG);
	/*
	 * Up to a page with a zero tail is accepted (above); above a page is
	 * E2BIG whatever the tail holds, so that no command makes the kernel
	 * scan up to 4 GiB of user memory for zeroes (clone3's rule).
	 */
	assert_errno(size_try_big(fd, c, PAGE + 1), E2BIG);
	assert_errno(size_try_big(fd, c, 2 * PAGE), E2BIG);
	assert_errno(size_try_big(fd, c, UINT32_MAX), E2BIG);
	/* Only the prepare steps created objects or pins. */
	if (c->prep_objects >= 0)
		assert_int_equal(pvfio_nr_objects(),
				 before + 5 * c->prep_objects);
	if (c->ioctl == PVFIO_IOAS_MAP)
		assert_int_equal(pvfio_pinned_pages(), pinned);
}

int pvfio_device_bind(int fd, uint32_t pci_domain, uint32_t pci_bdf,
		      uint32_t *dev)
{
	struct pvfio_device_bind cmd = {
		.size = sizeof(cmd), .pci_domain = pci_domain,
		.pci_bdf = pci_bdf,
	};
	int ret = pvfio_ioctl(fd, PVFIO_DEVICE_BIND, &cmd);

	if (!ret)
		*dev = cmd.out_dev_id;
	return ret;
}

int pvfio_device_attach(int fd, uint32_t dev, uint32_t *pt)
{
	struct pvfio_device_attach cmd = {
		.size = sizeof(cmd), .dev_id = dev, .pt_id = *pt,
	};
	int ret = pvfio_ioctl(fd, PVFIO_DEVICE_ATTACH, &cmd);

	if (!ret)
		*pt = cmd.pt_id;
	return ret;
}

int pvfio_device_detach(int fd, uint32_t dev)
{
	struct pvfio_device_detach cmd = { .size = sizeof(cmd), .dev_id = dev };

	return pvfio_ioctl(fd, PVFIO_DEVICE_DETACH, &cmd);
}

bool pvfio_cmdline_has(const char *word)
{
	char line[4096];
	FILE *f = fopen("/proc/cmdline", "r");
	bool found = false;

	if (f && fgets(line, sizeof(line), f))
		found = strstr(line, word) != NULL;
	if (f)
		fclose(f);
	return found;
}

int pvfio_access_create(int fd, uint32_t ioas, uint32_t align,
			uint32_t queue_len)
{
	struct pvfio_access_create cmd = {
		.size = sizeof(cmd), .ioas_id = ioas,
		.iova_alignment = align, .event_queue_len = queue_len,
	};
	int ret = pvfio_ioctl(fd, PVFIO_ACCESS_CREATE, &cmd);

	return ret ? ret : cmd.out_fd;
}

int pvfio_access_pin(int afd, uint64_t iova, uint64_t len, uint32_t flags,
		     uint32_t *pin_id)
{
	struct pvfio_access_pin cmd = {
		.size = sizeof(cmd), .flags = flags, .iova = iova,
		.length = len,
	};
	int ret = pvfio_ioctl(afd, PVFIO_ACCESS_PIN, &cmd);

	if (!ret && pin_id)
		*pin_id = cmd.out_pin_id;
	return ret;
}

int pvfio_access_unpin(int afd, uint32_t pin_id)
{
	struct pvfio_access_unpin cmd = { .size = sizeof(cmd), .pin_id = pin_id };

	return pvfio_ioctl(afd, PVFIO_ACCESS_UNPIN, &cmd);
}

int pvfio_access_rw(int afd, uint64_t iova, void *data, uint64_t len,
		    bool write)
{
	struct pvfio_access_rw cmd = {
		.size = sizeof(cmd),
		.flags = write ? PVFIO_ACCESS_RW_WRITE : 0,
		.iova = iova, .length = len, .data = (uintptr_t)data,
	};

	return pvfio_ioctl(afd, PVFIO_ACCESS_RW, &cmd);
}

int pvfio_access_set_ioas(int afd, unsigned long ioctl, uint32_t ioas)
{
	struct pvfio_access_ioas cmd = { .size = sizeof(cmd), .ioas_id = ioas };

	return pvfio_ioctl(afd, ioctl, &cmd);
}

int pvfio_access_events(int afd, struct pvfio_access_event *ev, int max)
{
	struct pollfd pfd = { .fd = afd, .events = POLLIN };
	int n = 0;
	ssize_t r;

	while (n < max && poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN)) {
		r = read(afd, &ev[n], sizeof(*ev));
		if (r < 0)
			return n ? n : -errno;
		if (r != sizeof(*ev))
			return -EIO;
		n++;
	}
	return n;
}

uint64_t pvfio_access_pins(void)
{
	struct pvfio_test_stats stats = { .out_access_pins = UINT64_MAX };
	int fd = pvfio_open();

	if (fd >= 0) {
		pvfio_test_stats(fd, &stats);
		close(fd);
	}
	return stats.out_access_pins;
}

int pvfio_set_keep_pins(int fd, int afd, bool keep_pins)
{
	struct pvfio_test_cmd cmd = {
		.size = sizeof(cmd), .op = PVFIO_TEST_OP_ACCESS_KEEP_PINS,
		.access_keep_pins = { .access_fd = afd, .keep_pins = keep_pins },
	};

	return pvfio_ioctl(fd, PVFIO_TEST, &cmd);
}

void *pvfio_alloc_hugetlb(size_t len)
{
	FILE *f = fopen("/proc/sys/vm/nr_hugepages", "w");
	void *p;

	if (!f)
		return NULL;
	fprintf(f, "%zu", len / (2 * MiB) + 2);
	fclose(f);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}
