// SPDX-License-Identifier: GPL-2.0
/*
 * Unprivileged suite: a forked child that dropped to nobody (uid and gid
 * 65534, no supplementary groups, no capabilities) uses /dev/pvfio when the
 * administrator opened it with dev_mode=0666, within the default
 * RLIMIT_MEMLOCK and no further; with the default dev_mode 0600 it gets
 * EACCES.  The child first proves it can reach /proc and /dev at all (the
 * guest's root directory must be searchable), so that EACCES is the node's
 * mode speaking and not the path.
 *
 * The child cannot use cmocka's asserts: each step that fails prints why
 * and exits with its own code, which the parent checks.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "pvfio_test.h"

#define NOBODY 65534
#define SMALL_PAGES 16

/* The child's failed step: print it and exit with @code. */
#define CHILD_FAIL(code, ...)						\
	do {								\
		fprintf(stderr, "# unprivileged child, step %d: ", code); \
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
		_exit(code);						\
	} while (0)

/* Become nobody, with no capability left. */
static void child_drop_privileges(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
		CHILD_FAIL(2, "dropping to uid/gid %d: %m", NOBODY);
	if (getuid() != NOBODY || geteuid() != NOBODY ||
	    getgid() != NOBODY || getegid() != NOBODY)
		CHILD_FAIL(3, "still uid %d euid %d gid %d egid %d", getuid(),
			   geteuid(), getgid(), getegid());
	if (syscall(SYS_capget, &hdr, data))
		CHILD_FAIL(4, "capget: %m");
	if (data[0].effective || data[1].effective || data[0].permitted ||
	    data[1].permitted)
		CHILD_FAIL(5, "capabilities left: %#x %#x", data[0].effective,
			   data[1].effective);
}

/* An unprivileged process reaches /proc and /dev (root is searchable). */
static void child_check_reach(void)
{
	char line[128];
	int fd;

	fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		CHILD_FAIL(6, "open /proc/self/status as uid %d: %m", NOBODY);
	if (read(fd, line, sizeof(line)) <= 0)
		CHILD_FAIL(7, "read /proc/self/status: %m");
	close(fd);
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		CHILD_FAIL(8, "open /dev/null as uid %d: %m", NOBODY);
	close(fd);
}

/* Run @fn in a child that dropped to nobody; its exit code, or -1. */
static int run_unprivileged(void (*fn)(void))
{
	int status;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		child_drop_privileges();
		child_check_reach();
		fn();
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static void child_nothing(void)
{
}

/* Steps 6-8 above are the point. */
static void test_reach_proc_and_dev(void **state)
{
	(void)state;
	assert_int_equal(run_unprivileged(child_nothing), 0);
}

static void child_map_unmap(void)
{
	struct rlimit rl;
	uint64_t iova = 0x100000, unmapped = 0;
	size_t len = SMALL_PAGES * PAGE, big;
	uint32_t ioas, mock;
	char *buf;
	int fd, ret;

	fd = open(PVFIO_DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		CHILD_FAIL(20, "open %s as uid %d: %m", PVFIO_DEV, NOBODY);
	ret = pvfio_ioas_alloc(fd, &ioas);
	if (ret)
		CHILD_FAIL(21, "IOAS_ALLOC: %s", strerror(-ret));
	/* A page table on the IOAS: MAP pins (and charges) everything. */
	ret = pvfio_mock_device(fd, ioas, &mock);
	if (ret)
		CHILD_FAIL(22, "mock device: %s", strerror(-ret));
	if (getrlimit(RLIMIT_MEMLOCK, &rl))
		CHILD_FAIL(23, "getrlimit: %m");
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < 2 * len)
		CHILD_FAIL(24, "RLIMIT_MEMLOCK %llu is below the test's %zu bytes",
			   (unsigned long long)rl.rlim_cur, 2 * len);
	buf = pvfio_alloc(len, PAGE);
	if (!buf)
		CHILD_FAIL(25, "alloc: %m");
	memset(buf, 0x5a, len);

	ret = pvfio_map(fd, ioas, buf, len, &iova, FIXED | RW);
	if (ret)
		CHILD_FAIL(26, "MAP of %zu bytes: %s", len, strerror(-ret));
	if (pvfio_pinned_pages() != SMALL_PAGES)
		CHILD_FAIL(27, "%llu pages pinned, not %d",
			   (unsigned long long)pvfio_pinned_pages(),
			   SMALL_PAGES);
	ret = pvfio_check_map(fd, mock, iova, buf, len);
	if (ret)
		CHILD_FAIL(28, "the mock domain does not map the buffer: %s",
			   strerror(-ret));
	ret = pvfio_unmap(fd, ioas, iova, len, &unmapped);
	if (ret || unmapped != len)
		CHILD_FAIL(29, "UNMAP: %s, %llu bytes", strerror(-ret),
			   (unsigned long long)unmapped);
	if (pvfio_pinned_pages() != 0)
		CHILD_FAIL(30, "%llu pages left pinned",
			   (unsigned long long)pvfio_pinned_pages());
	munmap(buf, len);

	/* The default memlock is a limit for nobody: one page over it fails. */
	if (rl.rlim_cur == RLIM_INFINITY)
		fprintf(stderr, "# RLIMIT_MEMLOCK is unlimited: no over-limit MAP\n");
	else
		fprintf(stderr, "# uid %d mapped %zu bytes; MAP of RLIMIT_MEMLOCK (%llu) + 1 page must fail\n",
			NOBODY, len, (unsigned long long)rl.rlim_cur);
	if (rl.rlim_cur != RLIM_INFINITY) {
		big = rl.rlim_cur + PAGE;
		buf = pvfio_alloc(big, PAGE);
		if (!buf)
			CHILD_FAIL(31, "alloc of %zu bytes: %m", big);
		ret = pvfio_map(fd, ioas, buf, big, &iova, FIXED | RW);
		if (ret != -ENOMEM)
			CHILD_FAIL(32, "MAP of RLIMIT_MEMLOCK + 1 page: %s, not ENOMEM",
				   ret ? strerror(-ret) : "success");
		if (pvfio_pinned_pages() != 0)
			CHILD_FAIL(33, "%llu pages left pinned after ENOMEM",
				   (unsigned long long)pvfio_pinned_pages());
		munmap(buf, big);
	}
	ret = pvfio_destroy(fd, mock);
	if (!ret)
		ret = pvfio_destroy(fd, ioas);
	if (ret)
		CHILD_FAIL(34, "DESTROY: %s", strerror(-ret));
	close(fd);
}

/* dev_mode=0666: nobody opens the node and maps within its memlock. */
static void test_dev_mode_0666_map_unmap(void **state)
{
	struct stat st;

	(void)state;
	assert_ok(stat(PVFIO_DEV, &st));
	assert_int_equal(st.st_mode & 07777, 0666);
	assert_int_equal(run_unprivileged(child_map_unmap), 0);
	assert_int_equal(pvfio_pinned_pages(), 0);
}

static void child_open_denied(void)
{
	int fd;

	fd = open(PVFIO_DEV, O_RDWR | O_CLOEXEC);
	if (fd >= 0)
		CHILD_FAIL(40, "opened %s as uid %d with mode 0600", PVFIO_DEV,
			   NOBODY);
	if (errno != EACCES)
		CHILD_FAIL(41, "open %s: %m, not EACCES", PVFIO_DEV);
	fd = open(PVFIO_DEV, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 || errno != EACCES)
		CHILD_FAIL(42, "read-only open of %s: %s, not EACCES",
			   PVFIO_DEV, fd >= 0 ? "success" : strerror(errno));
}

/* The default dev_mode 0600: nobody gets EACCES. */
static void test_default_mode_eacces(void **state)
{
	struct stat st;

	(void)state;
	assert_ok(stat(PVFIO_DEV, &st));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_uid, 0);
	assert_int_equal(run_unprivileged(child_open_denied), 0);
}

/* *state: the module parameters of the test. */
static int load_with(void **state)
{
	return pvfio_fixture_load(*state);
}

static int unload(void **state)
{
	(void)state;
	return pvfio_fixture_unload(true);
}

#define UNPRIV_TEST(fn, params) \
	cmocka_unit_test_prestate_setup_teardown(fn, load_with, unload, params)

int main(void)
{
	const struct CMUnitTest tests[] = {
		UNPRIV_TEST(test_reach_proc_and_dev, "enable_test_ops=1"),
		UNPRIV_TEST(test_dev_mode_0666_map_unmap,
			    "enable_test_ops=1 dev_mode=0666"),
		UNPRIV_TEST(test_default_mode_eacces, "enable_test_ops=1"),
	};

	return cmocka_run_group_tests_name("unpriv", tests, NULL, NULL) ? 1 : 0;
}
