// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel API proven by a second module: pvfio_consumer.ko, built
 * against include/pvfio.h only, pins, reads through its pinned struct pages
 * and through RW (also from a kernel thread), receives unmap notifications
 * and is replaced.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "consumer/pvfio_consumer.h"
#include "pvfio_test.h"

#define BASE 0x100000UL
#define NP 8

struct cons_state {
	int fd, cfd;
	uint32_t ioas;
	char *buf;
};

static const char *consumer_ko(void)
{
	const char *p = getenv("PVFIO_CONSUMER_KO");

	return p ? p : "tests/consumer/pvfio_consumer.ko";
}

static int group_setup(void **state)
{
	(void)state;
	if (pvfio_fixture_load("enable_test_ops=1"))
		return -1;
	return pvfio_kmod_insert(consumer_ko(), "");
}

static int group_teardown(void **state)
{
	(void)state;
	/* The consumer goes first: it uses pvfio's symbols. */
	if (pvfio_kmod_remove("pvfio_consumer"))
		return -1;
	return pvfio_fixture_unload(true);
}

static int cons_setup(void **state)
{
	struct cons_state *s = calloc(1, sizeof(*s));
	uint64_t iova = BASE;
	size_t i;

	if (!s)
		return -1;
	s->fd = pvfio_open();
	s->cfd = open("/dev/pvfio-consumer", O_RDWR);
	s->buf = pvfio_alloc(NP * PAGE, PAGE);
	if (s->fd < 0 || s->cfd < 0 || !s->buf ||
	    pvfio_ioas_alloc(s->fd, &s->ioas) ||
	    pvfio_map(s->fd, s->ioas, s->buf, NP * PAGE, &iova, FIXED | RW))
		return -1;
	for (i = 0; i < NP * PAGE; i++)
		s->buf[i] = (char)(i * 13 + (i >> 12));
	*state = s;
	return 0;
}

static int cons_teardown(void **state)
{
	struct cons_state *s = *state;

	close(s->cfd);
	close(s->fd);
	munmap(s->buf, NP * PAGE);
	free(s);
	return pvfio_access_pins() || pvfio_pinned_pages() ? -1 : 0;
}

static int c_setup(struct cons_state *s, uint32_t ioas, uint32_t flags)
{
	struct pvfio_consumer_setup cmd = {
		.pvfio_fd = s->fd, .ioas_id = ioas, .flags = flags,
	};

	return ioctl(s->cfd, PVFIO_CONSUMER_SETUP, &cmd) ? -errno : 0;
}

static int c_pin(struct cons_state *s, uint64_t iova, uint64_t len,
		 bool write, uint32_t *index)
{
	struct pvfio_consumer_pin cmd = {
		.iova = iova, .length = len, .write = write,
	};
	int ret = ioctl(s->cfd, PVFIO_CONSUMER_PIN, &cmd) ? -errno : 0;

	if (!ret && index)
		*index = cmd.out_index;
	return ret;
}

static int c_rw(struct cons_state *s, uint64_t iova, void *data, uint64_t len,
		bool write, bool kthread)
{
	struct pvfio_consumer_rw cmd = {
		.iova = iova, .length = len, .data = (uintptr_t)data,
		.write = write, .kthread = kthread,
	};

	return ioctl(s->cfd, PVFIO_CONSUMER_RW, &cmd) ? -errno : 0;
}

static int c_byte(struct cons_state *s, uint32_t index, uint32_t page,
		  uint32_t offset)
{
	struct pvfio_consumer_page cmd = {
		.index = index, .page = page, .offset = offset,
	};

	if (ioctl(s->cfd, PVFIO_CONSUMER_PAGE, &cmd))
		return -errno;
	return cmd.out_byte;
}

static struct pvfio_consumer_stats c_stats(struct cons_state *s)
{
	struct pvfio_consumer_stats st;

	assert_ok(ioctl(s->cfd, PVFIO_CONSUMER_STATS, &st));
	return st;
}

static void test_pin_rw_notify(void **state)
{
	struct cons_state *s = *state;
	struct pvfio_consumer_stats st;
	char data[3 * 4096], back[3 * 4096];
	uint64_t unmapped;
	uint32_t idx = 0, idx2 = 0;
	size_t i;

	assert_ok(c_setup(s, s->ioas, 0));
	assert_ok(c_pin(s, BASE + PAGE, 2 * PAGE, true, &idx));
	assert_ok(c_pin(s, BASE + 6 * PAGE, PAGE, false, &idx2));
	assert_int_equal(pvfio_access_pins(), 2);
	/* The pages the consumer holds are the user's pages. */
	assert_int_equal(c_byte(s, idx, 0, 5), (unsigned char)s->buf[PAGE + 5]);
	assert_int_equal(c_byte(s, idx, 1, 4095),
			 (unsigned char)s->buf[3 * PAGE - 1]);
	s->buf[PAGE + 5] = 0x42;
	assert_int_equal(c_byte(s, idx, 0, 5), 0x42);

	/* RW in both directions, from the ioctl and from a kernel thread. */
	for (i = 0; i < 2; i++) {
		assert_ok(c_rw(s, BASE + 100, back, sizeof(back), false, i));
		assert_memory_equal(back, s->buf + 100, sizeof(back));
		memset(data, 0x30 + i, sizeof(data));
		assert_ok(c_rw(s, BASE + PAGE - 7, data, 5000, true, i));
		assert_memory_equal(s->buf + PAGE - 7, data, 5000);
	}
	assert_errno(c_rw(s, BASE + NP * PAGE - 1, data, 2, false, true),
		     ENOENT);

	/* An unmap of everything: one callback with the whole range. */
	assert_ok(pvfio_unmap(s->fd, s->ioas, BASE, NP * PAGE, &unmapped));
	assert_int_equal(unmapped, NP * PAGE);
	st = c_stats(s);
	assert_int_equal(st.out_callbacks, 1);
	assert_int_equal(st.out_last_iova, BASE);
	assert_int_equal(st.out_last_length, NP * PAGE);
	assert_int_equal(st.out_revoked, 2);
	assert_int_equal(st.out_pins, 0);
	assert_int_equal(pvfio_access_pins(), 0);
	assert_int_equal(c_byte(s, idx, 0, 0), -ENOENT);
}

static void test_replace(void **state)
{
	struct cons_state *s = *state;
	char *other = pvfio_alloc(NP * PAGE, PAGE);
	struct pvfio_consumer_stats st;
	uint64_t iova = BASE;
	uint32_t b, idx = 0;
	char c;

	assert_non_null(other);
	memset(other, 0x77, NP * PAGE);
	assert_ok(pvfio_ioas_alloc(s->fd, &b));
	assert_ok(pvfio_map(s->fd, b, other, NP * PAGE, &iova, FIXED | RW));
	assert_ok(c_setup(s, s->ioas, 0));
	assert_ok(c_pin(s, BASE, 4 * PAGE, false, &idx));
	/* Attached: the IOAS cannot go. */
	assert_errno(pvfio_destroy(s->fd, s->ioas), EBUSY);

	assert_ok(ioctl(s->cfd, PVFIO_CONSUMER_REPLACE, &b));
	st = c_stats(s);
	assert_int_equal(st.out_callbacks, 1);
	assert_int_equal(st.out_last_iova, 0);
	assert_int_equal(st.out_last_length, UINT64_MAX);
	assert_int_equal(st.out_pins, 0);
	/* The old IOAS can be destroyed at once. */
	assert_ok(pvfio_destroy(s->fd, s->ioas));
	assert_ok(c_rw(s, BASE + 10, &c, 1, false, true));
	assert_int_equal((unsigned char)c, 0x77);
	assert_ok(c_pin(s, BASE, PAGE, true, &idx));
	assert_int_equal(c_byte(s, idx, 0, 0), 0x77);
	/* Replace onto the same IOAS: nothing happens. */
	assert_ok(ioctl(s->cfd, PVFIO_CONSUMER_REPLACE, &b));
	assert_int_equal(c_stats(s).out_callbacks, 1);
	/* Detach revokes; a detached access cannot be replaced. */
	assert_ok(ioctl(s->cfd, PVFIO_CONSUMER_DETACH));
	assert_int_equal(c_stats(s).out_pins, 0);
	assert_int_equal(ioctl(s->cfd, PVFIO_CONSUMER_REPLACE, &b), -1);
	assert_int_equal(errno, ENOENT);
	assert_ok(pvfio_destroy(s->fd, b));
	munmap(other, NP * PAGE);
}

/*
 * A pin need not be page aligned: it pins every page it touches, here two
 * for one page's worth of bytes from the middle of a page (the consumer
 * once sized its page array by the length alone and wrote past it).
 */
static void test_unaligned_pin(void **state)
{
	struct cons_state *s = *state;
	uint32_t index;

	assert_ok(c_setup(s, s->ioas, 0));
	assert_ok(c_pin(s, BASE + PAGE / 2, PAGE, true, &index));
	assert_ok(c_pin(s, BASE + 3 * PAGE + 1, 1, false, NULL));
	assert_ok(pvfio_check_refs(s->fd, s->buf, 2 * PAGE, true));
}

/* Without an unmap callback: RW works, PIN is refused. */
static void test_no_callback(void **state)
{
	struct cons_state *s = *state;
	char c;

	assert_ok(c_setup(s, s->ioas, PVFIO_CONSUMER_NO_CALLBACK));
	assert_errno(c_pin(s, BASE, PAGE, false, NULL), EINVAL);
	assert_ok(c_rw(s, BASE + 3, &c, 1, false, false));
	assert_int_equal(c, s->buf[3]);
}

/* Closing the consumer's file destroys its access and releases its pins. */
static void test_release(void **state)
{
	struct cons_state *s = *state;
	int i;

	assert_ok(c_setup(s, s->ioas, 0));
	for (i = 0; i < NP; i++)
		assert_ok(c_pin(s, BASE + i * PAGE, PAGE, true, NULL));
	assert_int_equal(pvfio_access_pins(), NP);
	close(s->cfd);
	assert_int_equal(pvfio_access_pins(), 0);
	assert_ok(pvfio_destroy(s->fd, s->ioas));
	s->cfd = open("/dev/pvfio-consumer", O_RDWR);
	assert_true(s->cfd >= 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, cons_setup, cons_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_pin_rw_notify),
		T(test_replace),
		T(test_unaligned_pin),
		T(test_no_callback),
		T(test_release),
	};

	return cmocka_run_group_tests_name("consumer", tests, group_setup,
					   group_teardown) ? 1 : 0;
}
