// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs suite: /sys/kernel/debug/pvfio/ shows exactly what the ioctls
 * created (objects, mappings, page tables, access pins and events, the
 * module-wide counters), a context's directory goes with its fd, the files
 * are 0400 root and unreadable by nobody, reads racing object churn are
 * safe, and the directory goes with the module.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "pvfio_test.h"

#define DBG "/sys/kernel/debug/pvfio"
#define NPAGES 16
#define BASE 0x100000UL

/* The file's content (NUL-terminated, at most @len - 1 bytes), or -errno. */
static int read_file(const char *path, char *buf, size_t len)
{
	size_t done = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while (done < len - 1) {
		n = read(fd, buf + done, len - 1 - done);
		if (n < 0) {
			n = -errno;
			close(fd);
			return n;
		}
		if (!n)
			break;
		done += n;
	}
	buf[done] = 0;
	close(fd);
	return 0;
}

static void assert_file(const char *path, const char *want)
{
	char buf[4096];

	assert_ok(read_file(path, buf, sizeof(buf)));
	if (strcmp(buf, want))
		fprintf(stderr, "# %s:\n%s# expected:\n%s", path, buf, want);
	assert_string_equal(buf, want);
}

/* The ctx<N> directories there are now, as a bitmap of N < 4096. */
static void ctx_dirs(unsigned char *seen)
{
	struct dirent *de;
	DIR *d = opendir(DBG);
	unsigned int n;

	memset(seen, 0, 512);
	assert_non_null(d);
	while ((de = readdir(d)))
		if (sscanf(de->d_name, "ctx%u", &n) == 1 && n < 4096)
			seen[n / 8] |= 1 << (n % 8);
	closedir(d);
}

/* Open a context and return the path of its (new) directory. */
static int open_ctx(char *dir, size_t len)
{
	unsigned char before[512], after[512];
	unsigned int n, found = 0;
	int fd;

	ctx_dirs(before);
	fd = pvfio_open();
	assert_true(fd >= 0);
	ctx_dirs(after);
	for (n = 0; n < 4096; n++)
		if ((after[n / 8] & ~before[n / 8]) & (1 << (n % 8))) {
			assert_int_equal(found, 0);
			found = n;
		}
	assert_int_not_equal(found, 0);
	snprintf(dir, len, DBG "/ctx%u", found);
	return fd;
}

static void file_path(char *out, size_t len, const char *dir,
		      const char *name)
{
	snprintf(out, len, "%s/%s", dir, name);
}

static void test_view(void **state)
{
	char dir[128], path[192], want[1024];
	struct pvfio_access_event ev[4];
	uint32_t ioas, mock, pin;
	uint64_t iova = BASE, unmapped;
	char *buf = pvfio_alloc(NPAGES * PAGE, PAGE);
	struct stat st;
	int fd, afd;

	(void)state;
	assert_non_null(buf);
	assert_file(DBG "/counters",
		    "contexts 0\nobjects 0\npinned_pages 0\naccesses 0\naccess_pins 0\n");
	fd = open_ctx(dir, sizeof(dir));
	file_path(path, sizeof(path), dir, "objects");
	assert_file(path, "");
	assert_ok(pvfio_ioas_alloc(fd, &ioas));
	assert_ok(pvfio_map(fd, ioas, buf, NPAGES * PAGE, &iova, FIXED | RW));
	assert_ok(pvfio_mock_device(fd, ioas, &mock));
	afd = pvfio_access_create(fd, ioas, 0, 0);
	assert_true(afd >= 0);
	assert_ok(pvfio_access_pin(afd, BASE + PAGE, 2 * PAGE,
				   PVFIO_ACCESS_RW_WRITE, &pin));

	/* The IOAS: its ID's, the mock device's and the access's holds. */
	snprintf(want, sizeof(want),
		 "ioas %u users 3 shortterm 1\nmock_device %u users 1 shortterm 1\n",
		 ioas, mock);
	assert_file(path, want);

	file_path(path, sizeof(path), dir, "ioas");
	snprintf(want, sizeof(want),
		 "ioas %u\n  domain mock\n  area 0x%lx-0x%lx pages %lu prot rw shared 1 accesses 1\n",
		 ioas, BASE, BASE + NPAGES * PAGE - 1, (unsigned long)NPAGES);
	assert_file(path, want);

	file_path(path, sizeof(path), dir, "accesses");
	snprintf(want, sizeof(want),
		 "access user events 0 lost 0\n  pin 0x%lx-0x%lx write\n",
		 BASE + PAGE, BASE + 3 * PAGE - 1);
	assert_file(path, want);

	assert_file(DBG "/counters",
		    "contexts 1\nobjects 2\npinned_pages 16\naccesses 1\naccess_pins 1\n");

	/* Unmapping revokes the pin and queues one event. */
	assert_ok(pvfio_unmap(fd, ioas, BASE, NPAGES * PAGE, &unmapped));
	assert_file(path, "access user events 1 lost 0\n");
	file_path(path, sizeof(path), dir, "ioas");
	snprintf(want, sizeof(want), "ioas %u\n  domain mock\n", ioas);
	assert_file(path, want);
	assert_int_equal(pvfio_access_events(afd, ev, 4), 1);
	file_path(path, sizeof(path), dir, "accesses");
	assert_file(path, "access user events 0 lost 0\n");

	close(afd);
	assert_file(path, "");
	assert_file(DBG "/counters",
		    "contexts 1\nobjects 2\npinned_pages 0\naccesses 0\naccess_pins 0\n");

	/* Closing the fd removes the directory. */
	close(fd);
	assert_int_equal(stat(dir, &st), -1);
	assert_int_equal(errno, ENOENT);
	assert_file(DBG "/counters",
		    "contexts 0\nobjects 0\npinned_pages 0\naccesses 0\naccess_pins 0\n");
	munmap(buf, NPAGES * PAGE);
}

static void test_root_only(void **state)
{
	static const char *const names[] = { "objects", "ioas", "accesses" };
	char dir[128], path[192], buf[64];
	struct stat st;
	unsigned int i;
	int fd, wfd, status;
	pid_t pid;

	(void)state;
	fd = open_ctx(dir, sizeof(dir));
	assert_ok(stat(DBG "/counters", &st));
	assert_int_equal(st.st_mode, S_IFREG | 0400);
	assert_int_equal(st.st_uid, 0);
	for (i = 0; i < 3; i++) {
		file_path(path, sizeof(path), dir, names[i]);
		assert_ok(stat(path, &st));
		assert_int_equal(st.st_mode, S_IFREG | 0400);
		assert_int_equal(st.st_uid, 0);
		/* Nothing to write, even for root. */
		wfd = open(path, O_WRONLY);
		if (wfd >= 0) {
			assert_int_equal(write(wfd, "1", 1), -1);
			close(wfd);
		}
	}

	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(2);
		if (read_file(DBG "/counters", buf, sizeof(buf)) != -EACCES)
			_exit(3);
		for (i = 0; i < 3; i++) {
			file_path(path, sizeof(path), dir, names[i]);
			if (read_file(path, buf, sizeof(buf)) != -EACCES)
				_exit(4 + i);
		}
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(fd);
}

static volatile int stop_readers;

/* Read every file there is, over and over, until told to stop. */
static void *reader(void *arg)
{
	static const char *const names[] = { "objects", "ioas", "accesses" };
	char path[300], buf[8192];
	unsigned long *reads = arg;
	struct dirent *de;
	unsigned int i;
	DIR *d;

	while (!stop_readers) {
		read_file(DBG "/counters", buf, sizeof(buf));
		d = opendir(DBG);
		if (!d)
			continue;
		while ((de = readdir(d))) {
			if (strncmp(de->d_name, "ctx", 3))
				continue;
			for (i = 0; i < 3; i++) {
				snprintf(path, sizeof(path), DBG "/%s/%s",
					 de->d_name, names[i]);
				/* A context may go meanwhile. */
				if (!read_file(path, buf, sizeof(buf)))
					(*reads)++;
			}
		}
		closedir(d);
	}
	return NULL;
}

/* Reads racing map, pin, unmap, DESTROY and close. */
static void test_reads_race_churn(void **state)
{
	char *buf = pvfio_alloc(NPAGES * PAGE, PAGE);
	unsigned long reads[2] = { 0, 0 };
	uint64_t iova, unmapped;
	uint32_t ioas, mock, pin;
	pthread_t threads[2];
	int i, fd, afd;

	(void)state;
	assert_non_null(buf);
	stop_readers = 0;
	for (i = 0; i < 2; i++)
		assert_ok(pthread_create(&threads[i], NULL, reader,
					 &reads[i]));
	for (i = 0; i < 200; i++) {
		fd = pvfio_open();
		assert_true(fd >= 0);
		iova = BASE;
		assert_ok(pvfio_ioas_alloc(fd, &ioas));
		assert_ok(pvfio_map(fd, ioas, buf, NPAGES * PAGE, &iova,
				    FIXED | RW));
		assert_ok(pvfio_mock_device(fd, ioas, &mock));
		afd = pvfio_access_create(fd, ioas, 0, 0);
		assert_true(afd >= 0);
		assert_ok(pvfio_access_pin(afd, BASE, PAGE, 0, &pin));
		if (i % 2) {
			assert_ok(pvfio_unmap(fd, ioas, BASE, NPAGES * PAGE,
					      &unmapped));
			assert_ok(pvfio_destroy(fd, mock));
			close(afd);
			assert_ok(pvfio_destroy(fd, ioas));
		} else {
			close(afd);
		}
		close(fd);
	}
	stop_readers = 1;
	for (i = 0; i < 2; i++)
		assert_ok(pthread_join(threads[i], NULL));
	fprintf(stderr, "# %lu reads\n", reads[0] + reads[1]);
	assert_true(reads[0] + reads[1] > 0);
	munmap(buf, NPAGES * PAGE);
}

static int group_teardown(void **state)
{
	struct stat st;
	int ret = pvfio_group_teardown_test_ops(state);

	if (!stat(DBG, &st)) {
		fprintf(stderr, "# %s left after unload\n", DBG);
		ret = -1;
	}
	return ret;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_view),
		cmocka_unit_test(test_root_only),
		cmocka_unit_test(test_reads_race_churn),
	};

	return cmocka_run_group_tests_name("debugfs", tests,
					   pvfio_group_setup_test_ops,
					   group_teardown) ? 1 : 0;
}
