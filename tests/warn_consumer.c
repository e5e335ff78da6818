// SPDX-License-Identifier: GPL-2.0
/*
 * Run in its own boot, without panic_on_warn: an in-kernel consumer that
 * keeps its pins is a kernel bug, which pvfio answers with -EDEADLOCK and
 * exactly one WARN, its state intact.  The harness checks that the boot
 * logged that one WARN and no other splat.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/klog.h>
#include <sys/mman.h>

#include "consumer/pvfio_consumer.h"
#include "pvfio_test.h"

#define BASE 0x100000UL

static int count_in_log(const char *needle)
{
	int len = klogctl(10, NULL, 0), n, count = 0;
	char *buf, *p;

	if (len <= 0)
		return -1;
	buf = calloc(1, len + 1);
	if (!buf)
		return -1;
	n = klogctl(3, buf, len);
	if (n > 0)
		for (p = buf; (p = strstr(p, needle)); p++)
			count++;
	free(buf);
	return count;
}

static void test_pin_keeping_consumer_warns_once(void **state)
{
	struct pvfio_consumer_setup setup = { .flags = PVFIO_CONSUMER_KEEP_PINS };
	struct pvfio_consumer_pin pin = { .iova = BASE, .length = PAGE };
	char *buf = pvfio_alloc(4 * PAGE, PAGE);
	struct timespec t0, t1;
	uint64_t iova = BASE, unmapped;
	uint32_t ioas;
	int fd, cfd;

	(void)state;
	assert_non_null(buf);
	assert_int_equal(count_in_log("WARNING:"), 0);
	fd = pvfio_open();
	cfd = open("/dev/pvfio-consumer", O_RDWR);
	assert_true(fd >= 0 && cfd >= 0);
	assert_ok(pvfio_ioas_alloc(fd, &ioas));
	assert_ok(pvfio_map(fd, ioas, buf, 4 * PAGE, &iova, FIXED | RW));
	setup.pvfio_fd = fd;
	setup.ioas_id = ioas;
	assert_ok(ioctl(cfd, PVFIO_CONSUMER_SETUP, &setup));
	assert_ok(ioctl(cfd, PVFIO_CONSUMER_PIN, &pin));

	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_errno(pvfio_unmap(fd, ioas, BASE, 4 * PAGE, NULL), EDEADLOCK);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(t1.tv_sec - t0.tv_sec < 5);
	assert_int_equal(count_in_log("WARNING:"), 1);
	assert_int_equal(count_in_log("kept pins after"), 1);
	/* Once per access: the second refusal does not WARN again. */
	assert_errno(pvfio_unmap(fd, ioas, 0, UINT64_MAX, NULL), EDEADLOCK);
	assert_int_equal(ioctl(cfd, PVFIO_CONSUMER_DETACH), -1);
	assert_int_equal(errno, EDEADLOCK);
	assert_int_equal(count_in_log("WARNING:"), 1);
	/* The IOAS is intact; once the consumer lets go, the unmap works. */
	assert_int_equal(pvfio_access_pins(), 1);
	close(cfd);
	assert_int_equal(pvfio_access_pins(), 0);
	assert_ok(pvfio_unmap(fd, ioas, 0, UINT64_MAX, &unmapped));
	assert_int_equal(unmapped, 4 * PAGE);
	close(fd);
	munmap(buf, 4 * PAGE);
}

static int group_setup(void **state)
{
	const char *ko = getenv("PVFIO_CONSUMER_KO");

	(void)state;
	if (pvfio_fixture_load("enable_test_ops=1"))
		return -1;
	return pvfio_kmod_insert(ko ? ko : "tests/consumer/pvfio_consumer.ko",
				 "");
}

static int group_teardown(void **state)
{
	(void)state;
	if (pvfio_kmod_remove("pvfio_consumer"))
		return -1;
	return pvfio_fixture_unload(true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pin_keeping_consumer_warns_once),
	};

	return cmocka_run_group_tests_name("warn", tests, group_setup,
					   group_teardown) ? 1 : 0;
}
