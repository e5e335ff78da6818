// SPDX-License-Identifier: GPL-2.0
/*
 * Core suite: the character device, contexts, the object table and the ABI
 * rules every ioctl follows.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "pvfio_test.h"

struct core_state {
	int fd;
};

static int core_setup(void **state)
{
	struct core_state *s = calloc(1, sizeof(*s));

	if (!s)
		return -1;
	s->fd = pvfio_open();
	if (s->fd < 0) {
		free(s);
		return -1;
	}
	*state = s;
	return 0;
}

static int core_teardown(void **state)
{
	struct core_state *s = *state;

	close(s->fd);
	free(s);
	return 0;
}

static struct pvfio_iova_range ranges_buf[8];
static char map_buf[4 * 4096] __attribute__((aligned(4096)));

static void prep_destroy(int fd, void *buf)
{
	struct pvfio_destroy *cmd = buf;

	assert_ok(pvfio_ioas_alloc(fd, &cmd->id));
}

static void prep_ioas_alloc(int fd, void *buf)
{
	(void)fd;
	(void)buf;
}

static void prep_iova_ranges(int fd, void *buf)
{
	struct pvfio_ioas_iova_ranges *cmd = buf;

	assert_ok(pvfio_ioas_alloc(fd, &cmd->ioas_id));
	cmd->num_iovas = 8;
	cmd->allowed_iovas = (uintptr_t)ranges_buf;
}

static void prep_map(int fd, void *buf)
{
	struct pvfio_ioas_map *cmd = buf;

	assert_ok(pvfio_ioas_alloc(fd, &cmd->ioas_id));
	cmd->flags = RW;
	cmd->user_va = (uintptr_t)map_buf;
	cmd->length = sizeof(map_buf);
}

static void prep_map_file(int fd, void *buf)
{
	struct pvfio_ioas_map_file *cmd = buf;
	static int memfd = -1;

	if (memfd < 0) {
		memfd = memfd_create("pvfio-size", 0);
		assert_true(memfd >= 0);
		assert_ok(ftruncate(memfd, 4 * 4096));
	}
	assert_ok(pvfio_ioas_alloc(fd, &cmd->ioas_id));
	cmd->flags = RW;
	cmd->fd = memfd;
	cmd->length = 4 * 4096;
}

static void prep_unmap(int fd, void *buf)
{
	struct pvfio_ioas_unmap *cmd = buf;

	uint64_t iova = 0x100000;

	assert_ok(pvfio_ioas_alloc(fd, &cmd->ioas_id));
	assert_ok(pvfio_map(fd, cmd->ioas_id, map_buf, sizeof(map_buf), &iova,
			    FIXED | RW));
	cmd->iova = iova;
	cmd->length = sizeof(map_buf);
}

static void prep_copy(int fd, void *buf)
{
	struct pvfio_ioas_copy *cmd = buf;

	uint64_t iova = 0x100000;

	assert_ok(pvfio_ioas_alloc(fd, &cmd->src_ioas_id));
	assert_ok(pvfio_ioas_alloc(fd, &cmd->dst_ioas_id));
	assert_ok(pvfio_map(fd, cmd->src_ioas_id, map_buf, sizeof(map_buf),
			    &iova, FIXED | RW));
	cmd->src_iova = iova;
	cmd->flags = PVFIO_IOAS_MAP_READABLE;
	cmd->length = sizeof(map_buf);
}

static void prep_allow_iovas(int fd, void *buf)
{
	struct pvfio_ioas_allow_iovas *cmd = buf;

	assert_ok(pvfio_ioas_alloc(fd, &cmd->ioas_id));
}

static void prep_option(int fd, void *buf)
{
	struct pvfio_option *cmd = buf;

	assert_ok(pvfio_ioas_alloc(fd, &cmd->object_id));
	cmd->option_id = PVFIO_OPTION_HUGE_PAGES;
	cmd->op = PVFIO_OPTION_OP_GET;
}

static void prep_test(int fd, void *buf)
{
	struct pvfio_test_cmd *cmd = buf;

	(void)fd;
	cmd->op = PVFIO_TEST_OP_STATS;
}

/* Device commands are covered by the edu suite, where a device exists. */
static const struct pvfio_size_case size_cases[] = {
	SIZE_CASE(PVFIO_DESTROY, struct pvfio_destroy, id, 1, prep_destroy),
	SIZE_CASE(PVFIO_IOAS_ALLOC, struct pvfio_ioas_alloc, out_ioas_id, 0,
		  prep_ioas_alloc),
	SIZE_CASE(PVFIO_IOAS_IOVA_RANGES, struct pvfio_ioas_iova_ranges,
		  out_iova_alignment, 1, prep_iova_ranges),
	SIZE_CASE(PVFIO_IOAS_MAP, struct pvfio_ioas_map, iova, 1, prep_map),
	SIZE_CASE(PVFIO_IOAS_MAP_FILE, struct pvfio_ioas_map_file, iova, 1,
		  prep_map_file),
	SIZE_CASE(PVFIO_IOAS_UNMAP, struct pvfio_ioas_unmap, length, 1,
		  prep_unmap),
	SIZE_CASE(PVFIO_IOAS_COPY, struct pvfio_ioas_copy, src_iova, 2,
		  prep_copy),
	SIZE_CASE(PVFIO_IOAS_ALLOW_IOVAS, struct pvfio_ioas_allow_iovas,
		  allowed_iovas, 1, prep_allow_iovas),
	SIZE_CASE(PVFIO_OPTION, struct pvfio_option, val64, 1, prep_option),
	SIZE_CASE(PVFIO_TEST, struct pvfio_test_cmd, __reserved, 0, prep_test),
};

static void test_size_rules(void **state)
{
	struct core_state *s = *state;
	size_t i;

	for (i = 0; i < sizeof(size_cases) / sizeof(size_cases[0]); i++)
		pvfio_check_size_rules(s->fd, &size_cases[i]);
}

/* A rejected IOAS_ALLOC never leaves an object behind. */
static void test_rejected_alloc_leaves_nothing(void **state)
{
	struct core_state *s = *state;
	struct {
		struct pvfio_ioas_alloc cmd;
		uint32_t tail;
	} big = { { .size = sizeof(big) }, 1 };
	struct pvfio_ioas_alloc cmd = { .size = sizeof(cmd), .flags = 1 };
	uint64_t before = pvfio_nr_objects();

	assert_errno(pvfio_ioctl(s->fd, PVFIO_IOAS_ALLOC, &big), E2BIG);
	assert_errno(pvfio_ioctl(s->fd, PVFIO_IOAS_ALLOC, &cmd), EOPNOTSUPP);
	/* Output buffer not writable: EFAULT, and the object is gone. */
	assert_errno(pvfio_ioctl(s->fd, PVFIO_IOAS_ALLOC,
				 (void *)"\x0c\0\0\0\0\0\0\0\0\0\0\0"),
		     EFAULT);
	assert_int_equal(pvfio_nr_objects(), before);
}

static void test_reserved_and_flags(void **state)
{
	struct core_state *s = *state;
	struct pvfio_ioas_iova_ranges ranges = { .size = sizeof(ranges) };
	struct pvfio_test_cmd tcmd = { .size = sizeof(tcmd) };
	struct pvfio_ioas_alloc alloc = { .size = sizeof(alloc) };
	uint32_t ioas;
	int bit;

	for (bit = 0; bit < 32; bit++) {
		alloc.flags = 1u << bit;
		assert_errno(pvfio_ioctl(s->fd, PVFIO_IOAS_ALLOC, &alloc),
			     EOPNOTSUPP);
	}

	assert_ok(pvfio_ioas_alloc(s->fd, &ioas));
	ranges.ioas_id = ioas;
	ranges.__reserved = 1;
	assert_errno(pvfio_ioctl(s->fd, PVFIO_IOAS_IOVA_RANGES, &ranges),
		     EOPNOTSUPP);

	tcmd.op = PVFIO_TEST_OP_STATS;
	tcmd.__reserved = 1;
	assert_errno(pvfio_ioctl(s->fd, PVFIO_TEST, &tcmd), EOPNOTSUPP);
	tcmd.__reserved = 0;
	tcmd.op = 0;
	assert_errno(pvfio_ioctl(s->fd, PVFIO_TEST, &tcmd), EOPNOTSUPP);
	tcmd.op = 0x7fff;
	assert_errno(pvfio_ioctl(s->fd, PVFIO_TEST, &tcmd), EOPNOTSUPP);
	tcmd.op = PVFIO_TEST_OP_MOCK_DEVICE;
	tcmd.id = ioas;
	tcmd.mock_device.__reserved = 1;
	assert_errno(pvfio_ioctl(s->fd, PVFIO_TEST, &tcmd), EOPNOTSUPP);
	assert_ok(pvfio_destroy(s->fd, ioas));
}

static void test_unknown_ioctl(void **state)
{
	struct core_state *s = *state;
	struct pvfio_destroy cmd = { .size = sizeof(cmd) };
	unsigned int nr;

	/* Every unassigned number in and around pvfio's range. */
	for (nr = PVFIO_CMD_BASE - 2; nr <= 0xff; nr++) {
		if ((nr >= PVFIO_CMD_DESTROY &&
		     nr <= PVFIO_CMD_IOAS_GET_DIRTY_BITMAP) ||
		    nr == PVFIO_CMD_TEST)
			continue;
		assert_errno(pvfio_ioctl(s->fd, _IO(PVFIO_TYPE, nr), &cmd),
			     ENOTTY);
	}
	/* Right number, wrong type or direction/size encoding. */
	assert_errno(pvfio_ioctl(s->fd, _IO('Q', PVFIO_CMD_DESTROY), &cmd),
		     ENOTTY);
	assert_errno(pvfio_ioctl(s->fd, _IOW(PVFIO_TYPE, PVFIO_CMD_DESTROY,
					     struct pvfio_destroy), &cmd),
		     ENOTTY);
	assert_errno(pvfio_ioctl(s->fd, _IOWR(PVFIO_TYPE, PVFIO_CMD_IOAS_ALLOC,
					      struct pvfio_ioas_alloc), &cmd),
		     ENOTTY);
}

static void test_bad_pointer(void **state)
{
	struct core_state *s = *state;
	struct pvfio_ioas_iova_ranges ranges = { .size = sizeof(ranges) };

	assert_errno(pvfio_ioctl(s->fd, PVFIO_IOAS_ALLOC, NULL), EFAULT);
	assert_errno(pvfio_ioctl(s->fd, PVFIO_DESTROY, (void *)8), EFAULT);

	assert_ok(pvfio_ioas_alloc(s->fd, &ranges.ioas_id));
	ranges.num_iovas = 4;
	ranges.allowed_iovas = 16;
	assert_errno(pvfio_ioctl(s->fd, PVFIO_IOAS_IOVA_RANGES, &ranges),
		     EFAULT);
	assert_ok(pvfio_destroy(s->fd, ranges.ioas_id));
}

static void test_destroy(void **state)
{
	struct core_state *s = *state;
	struct pvfio_test_cmd tcmd = {
		.size = sizeof(tcmd),
		.op = PVFIO_TEST_OP_MOCK_DEVICE,
	};
	uint64_t before = pvfio_nr_objects();
	uint32_t ioas, dev;

	assert_errno(pvfio_destroy(s->fd, 0), ENOENT);
	assert_errno(pvfio_destroy(s->fd, 12345), ENOENT);
	assert_errno(pvfio_destroy(s->fd, UINT32_MAX), ENOENT);

	assert_ok(pvfio_ioas_alloc(s->fd, &ioas));
	assert_int_equal(pvfio_nr_objects(), before + 1);
	/* A mock device on the IOAS holds it: the IOAS is in use. */
	tcmd.id = ioas;
	assert_ok(pvfio_ioctl(s->fd, PVFIO_TEST, &tcmd));
	dev = tcmd.mock_device.out_device_id;
	assert_int_not_equal(dev, ioas);
	assert_errno(pvfio_destroy(s->fd, ioas), EBUSY);
	assert_int_equal(pvfio_nr_objects(), before + 2);

	/* A mock device is not an IOAS. */
	tcmd.id = dev;
	assert_errno(pvfio_ioctl(s->fd, PVFIO_TEST, &tcmd), ENOENT);

	assert_ok(pvfio_destroy(s->fd, dev));
	assert_errno(pvfio_destroy(s->fd, dev), ENOENT);
	assert_ok(pvfio_destroy(s->fd, ioas));
	assert_errno(pvfio_destroy(s->fd, ioas), ENOENT);
	assert_int_equal(pvfio_nr_objects(), before);
}

static void test_ioas_alloc_destroy(void **state)
{
	struct core_state *s = *state;
	uint32_t ids[16];
	int i, j;

	for (i = 0; i < 16; i++) {
		assert_ok(pvfio_ioas_alloc(s->fd, &ids[i]));
		assert_int_not_equal(ids[i], 0);
		for (j = 0; j < i; j++)
			assert_int_not_equal(ids[i], ids[j]);
	}
	for (i = 0; i < 16; i += 2)
		assert_ok(pvfio_destroy(s->fd, ids[i]));
	for (i = 1; i < 16; i += 2)
		assert_ok(pvfio_destroy(s->fd, ids[i]));
	for (i = 0; i < 16; i++)
		assert_errno(pvfio_destroy(s->fd, ids[i]), ENOENT);
}

static void test_iova_ranges(void **state)
{
	struct core_state *s = *state;
	struct pvfio_iova_range r[2];
	struct pvfio_ioas_iova_ranges cmd = { .size = sizeof(cmd) };
	uint32_t ioas;

	assert_ok(pvfio_ioas_alloc(s->fd, &ioas));
	cmd.ioas_id = ioas;

	/* Asking for the count. */
	assert_errno(pvfio_ioctl(s->fd, PVFIO_IOAS_IOVA_RANGES, &cmd),
		     EMSGSIZE);
	assert_int_equal(cmd.num_iovas, 1);
	/* Nothing attached needs pages: any byte alignment (issue 8). */
	assert_int_equal(cmd.out_iova_alignment, 1);

	memset(r, 0xa5, sizeof(r));
	cmd.num_iovas = 2;
	cmd.allowed_iovas = (uintptr_t)r;
	cmd.out_iova_alignment = 0;
	assert_ok(pvfio_ioctl(s->fd, PVFIO_IOAS_IOVA_RANGES, &cmd));
	assert_int_equal(cmd.num_iovas, 1);
	assert_int_equal(r[0].start, 0);
	assert_int_equal(r[0].last, UINT64_MAX);
	/* The entry past the count is untouched. */
	assert_int_equal(r[1].start, 0xa5a5a5a5a5a5a5a5ULL);
	assert_int_equal(cmd.out_iova_alignment, 1);

	assert_ok(pvfio_destroy(s->fd, ioas));
	assert_errno(pvfio_ioctl(s->fd, PVFIO_IOAS_IOVA_RANGES, &cmd), ENOENT);
	cmd.ioas_id = 0;
	assert_errno(pvfio_ioctl(s->fd, PVFIO_IOAS_IOVA_RANGES, &cmd), ENOENT);
}

static void test_ids_private_to_context(void **state)
{
	struct core_state *s = *state;
	struct pvfio_ioas_iova_ranges cmd = { .size = sizeof(cmd) };
	uint32_t a_ioas, b_ioas;
	int other;

	other = pvfio_open();
	assert_true(other >= 0);
	assert_ok(pvfio_ioas_alloc(s->fd, &a_ioas));

	/* The ID means nothing on another open. */
	cmd.ioas_id = a_ioas;
	assert_errno(pvfio_ioctl(other, PVFIO_IOAS_IOVA_RANGES, &cmd), ENOENT);
	assert_errno(pvfio_destroy(other, a_ioas), ENOENT);

	/* Each context numbers its objects independently. */
	assert_ok(pvfio_ioas_alloc(other, &b_ioas));
	cmd.num_iovas = 0;
	assert_errno(pvfio_ioctl(s->fd, PVFIO_IOAS_IOVA_RANGES, &cmd),
		     EMSGSIZE);

	/* Closing the other context leaves this one intact. */
	close(other);
	cmd.num_iovas = 0;
	assert_errno(pvfio_ioctl(s->fd, PVFIO_IOAS_IOVA_RANGES, &cmd),
		     EMSGSIZE);
	assert_ok(pvfio_destroy(s->fd, a_ioas));
}

static void test_close_destroys_everything(void **state)
{
	struct pvfio_test_cmd tcmd = {
		.size = sizeof(tcmd),
		.op = PVFIO_TEST_OP_MOCK_DEVICE,
	};
	uint64_t before = pvfio_nr_objects();
	uint32_t id = 0;
	int fd, i;

	(void)state;
	fd = pvfio_open();
	assert_true(fd >= 0);
	for (i = 0; i < 10000; i++)
		assert_ok(pvfio_ioas_alloc(fd, &id));
	/* Dependent objects too: mock devices holding IOASes. */
	for (i = 0; i < 100; i++) {
		tcmd.id = id - i;
		assert_ok(pvfio_ioctl(fd, PVFIO_TEST, &tcmd));
	}
	assert_int_equal(pvfio_nr_objects(), before + 10100);
	close(fd);
	assert_int_equal(pvfio_nr_objects(), before);
}

static void test_many_contexts(void **state)
{
	enum { NR = 512 };
	struct pvfio_test_stats stats;
	struct rlimit rl;
	int fds[NR], i;
	uint32_t id;

	(void)state;
	getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < NR + 64) {
		rl.rlim_cur = rl.rlim_max < NR + 64 ? rl.rlim_max : NR + 64;
		setrlimit(RLIMIT_NOFILE, &rl);
	}

	for (i = 0; i < NR; i++) {
		fds[i] = pvfio_open();
		assert_true(fds[i] >= 0);
		assert_ok(pvfio_ioas_alloc(fds[i], &id));
		/* Every context numbers from the same start. */
		assert_int_equal(id, 1);
	}
	assert_ok(pvfio_test_stats(fds[0], &stats));
	/* NR here plus the suite's own context. */
	assert_int_equal(stats.out_contexts, NR + 1);
	for (i = 0; i < NR; i++)
		close(fds[i]);
	assert_ok(pvfio_test_stats(((struct core_state *)*state)->fd, &stats));
	assert_int_equal(stats.out_contexts, 1);
}

static void test_open_close(void **state)
{
	struct pvfio_test_stats stats;
	int a, b;

	a = pvfio_open();
	b = pvfio_open();
	assert_true(a >= 0 && b >= 0);
	assert_ok(pvfio_test_stats(a, &stats));
	assert_int_equal(stats.out_contexts, 3);
	close(a);
	assert_ok(pvfio_test_stats(b, &stats));
	assert_int_equal(stats.out_contexts, 2);
	close(b);
	assert_ok(pvfio_test_stats(((struct core_state *)*state)->fd, &stats));
	assert_int_equal(stats.out_contexts, 1);
	/* Not seekable: a context is not a file position. */
	assert_int_equal(lseek(((struct core_state *)*state)->fd, 0, SEEK_SET),
			 -1);
	assert_int_equal(errno, ESPIPE);
}

/* Loaded with defaults: root-only node and no test operations. */
static void test_defaults(void **state)
{
	struct pvfio_test_cmd tcmd = {
		.size = sizeof(tcmd),
		.op = PVFIO_TEST_OP_STATS,
	};
	struct core_state *s = *state;
	struct stat st;
	uint32_t ioas;

	assert_ok(stat(PVFIO_DEV, &st));
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_uid, 0);
	assert_errno(pvfio_ioctl(s->fd, PVFIO_TEST, &tcmd), ENOTTY);
	assert_ok(pvfio_ioas_alloc(s->fd, &ioas));
	assert_ok(pvfio_destroy(s->fd, ioas));
}

static int group_setup_defaults(void **state)
{
	(void)state;
	return pvfio_fixture_load("");
}

static int group_teardown_defaults(void **state)
{
	(void)state;
	return pvfio_fixture_unload(false);
}

/* dev_mode hands the node to a group the administrator chooses. */
static void test_dev_mode(void **state)
{
	struct stat st;

	(void)state;
	assert_ok(pvfio_fixture_load("dev_mode=0660"));
	assert_ok(stat(PVFIO_DEV, &st));
	assert_int_equal(st.st_mode & 07777, 0660);
	assert_ok(pvfio_fixture_unload(false));
	/* Anything beyond rw bits is refused at load. */
	assert_int_not_equal(pvfio_fixture_load("dev_mode=04666"), 0);
}

/*
 * pvfio beside the kernel's own iommufd and vfio (the debug cell's kernel
 * has both built in; pvfio.kernel_iommufd=1 says so): each keeps its own
 * node and both work at once.  On the stock kernels, which have neither
 * iommufd nor a reason for pvfio to make one, no /dev/iommu exists: pvfio
 * never creates a node named iommu.
 */
#define KERNEL_IOMMUFD_TYPE ';'
#define KERNEL_IOMMU_IOAS_ALLOC _IO(KERNEL_IOMMUFD_TYPE, 0x81)

struct kernel_iommu_ioas_alloc {
	uint32_t size;
	uint32_t flags;
	uint32_t out_ioas_id;
};

static void test_beside_kernel_iommufd(void **state)
{
	struct core_state *s = *state;
	struct kernel_iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct stat st;
	uint32_t ioas;
	int ifd, vfd;

	if (!pvfio_cmdline_has("pvfio.kernel_iommufd=1")) {
		assert_int_equal(stat("/dev/iommu", &st), -1);
		assert_int_equal(errno, ENOENT);
		return;
	}
	assert_ok(stat("/dev/iommu", &st));
	assert_true(S_ISCHR(st.st_mode));
	ifd = open("/dev/iommu", O_RDWR);
	assert_true(ifd >= 0);
	vfd = open("/dev/vfio/vfio", O_RDWR);
	assert_true(vfd >= 0);
	/* Both IOAS layers at once, each through its own node. */
	assert_ok(ioctl(ifd, KERNEL_IOMMU_IOAS_ALLOC, &alloc));
	assert_ok(pvfio_ioas_alloc(s->fd, &ioas));
	assert_ok(pvfio_destroy(s->fd, ioas));
	close(vfd);
	close(ifd);
}

/* PVFIO_TEST_OP_HOLD_OBJECT: use object @id for @ms, like a blocked ioctl. */
static int hold_object(int fd, uint32_t id, uint32_t ms)
{
	struct pvfio_test_cmd cmd = {
		.size = sizeof(cmd), .op = PVFIO_TEST_OP_HOLD_OBJECT, .id = id,
		.hold_object.ms = ms,
	};

	return pvfio_ioctl(fd, PVFIO_TEST, &cmd);
}

static pid_t fork_call(int fd, uint32_t id, uint32_t hold_ms)
{
	pid_t pid = fork();

	if (!pid)
		_exit(-(hold_ms ? hold_object(fd, id, hold_ms) :
				  pvfio_destroy(fd, id)));
	return pid;
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1e3 + (t.tv_nsec - t0->tv_nsec) / 1e6;
}

/*
 * An ioctl in flight (here one that holds the IOAS for a while, as one
 * blocked on user memory would) never makes DESTROY fail: DESTROY waits
 * for it.  The wait is killable, and a killed DESTROY leaves the object as
 * it was.
 */
static void test_destroy_waits_killably(void **state)
{
	struct core_state *s = *state;
	struct pvfio_ioas_iova_ranges ranges = { .size = sizeof(ranges) };
	struct timespec t0;
	pid_t holder, destroyer;
	uint32_t ioas;
	int status;

	assert_ok(pvfio_ioas_alloc(s->fd, &ioas));
	ranges.ioas_id = ioas;

	/* DESTROY waits for the holder and then succeeds. */
	holder = fork_call(s->fd, ioas, 600);
	usleep(200000);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_ok(pvfio_destroy(s->fd, ioas));
	assert_true(ms_since(&t0) > 100);
	assert_int_equal(waitpid(holder, &status, 0), holder);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_errno(pvfio_ioctl(s->fd, PVFIO_IOAS_IOVA_RANGES, &ranges),
		     ENOENT);

	/* A DESTROY killed while it waits puts the IOAS back. */
	assert_ok(pvfio_ioas_alloc(s->fd, &ioas));
	ranges.ioas_id = ioas;
	holder = fork_call(s->fd, ioas, 5000);
	usleep(200000);
	destroyer = fork_call(s->fd, ioas, 0);
	usleep(300000);
	assert_int_equal(waitpid(destroyer, &status, WNOHANG), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_ok(kill(destroyer, SIGKILL));
	assert_int_equal(waitpid(destroyer, &status, 0), destroyer);
	assert_true(WIFSIGNALED(status));
	assert_true(ms_since(&t0) < 3000);
	/* Still there, and found by a lookup, while the holder holds it. */
	assert_ok(hold_object(s->fd, ioas, 0));
	assert_ok(kill(holder, SIGINT));
	assert_int_equal(waitpid(holder, &status, 0), holder);
	assert_ok(pvfio_destroy(s->fd, ioas));
}

#define CORE_TEST(fn) cmocka_unit_test_setup_teardown(fn, core_setup, \
						      core_teardown)

int main(void)
{
	const struct CMUnitTest test_ops_tests[] = {
		CORE_TEST(test_open_close),
		CORE_TEST(test_size_rules),
		CORE_TEST(test_rejected_alloc_leaves_nothing),
		CORE_TEST(test_reserved_and_flags),
		CORE_TEST(test_unknown_ioctl),
		CORE_TEST(test_bad_pointer),
		CORE_TEST(test_destroy),
		CORE_TEST(test_ioas_alloc_destroy),
		CORE_TEST(test_iova_ranges),
		CORE_TEST(test_ids_private_to_context),
		CORE_TEST(test_close_destroys_everything),
		CORE_TEST(test_many_contexts),
		CORE_TEST(test_beside_kernel_iommufd),
		CORE_TEST(test_destroy_waits_killably),
	};
	const struct CMUnitTest default_tests[] = {
		CORE_TEST(test_defaults),
	};
	const struct CMUnitTest param_tests[] = {
		cmocka_unit_test(test_dev_mode),
	};
	int failed = 0;

	failed += cmocka_run_group_tests_name("core", test_ops_tests,
					      pvfio_group_setup_test_ops,
					      pvfio_group_teardown_test_ops);
	failed += cmocka_run_group_tests_name("defaults", default_tests,
					      group_setup_defaults,
					      group_teardown_defaults);
	failed += cmocka_run_group_tests_name("params", param_tests, NULL, NULL);
	return failed ? 1 : 0;
}
