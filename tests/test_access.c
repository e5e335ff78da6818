// SPDX-License-Identifier: GPL-2.0
/*
 * Access suite: the userspace access fd (and through it the in-kernel
 * access API): pin/unpin, RW at every alignment, unmap notification with
 * several accesses, the pin-keeping access and -EDEADLOCK, replace, release
 * on close and kill, event overflow, and a concurrency run.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "pvfio_test.h"

#define NPAGES 16
#define BASE 0x100000UL

struct acc_state {
	int fd;
	uint32_t ioas;
	uint32_t mock;
	char *buf;		/* NPAGES, mapped RW at BASE */
};

static int acc_setup(void **state)
{
	struct acc_state *s = calloc(1, sizeof(*s));
	uint64_t iova = BASE;

	if (!s)
		return -1;
	s->fd = pvfio_open();
	s->buf = pvfio_alloc(NPAGES * PAGE, PAGE);
	if (s->fd < 0 || !s->buf || pvfio_ioas_alloc(s->fd, &s->ioas) ||
	    pvfio_mock_device(s->fd, s->ioas, &s->mock) ||
	    pvfio_map(s->fd, s->ioas, s->buf, NPAGES * PAGE, &iova,
		      FIXED | RW))
		return -1;
	*state = s;
	return 0;
}

static int acc_teardown(void **state)
{
	struct acc_state *s = *state;

	close(s->fd);
	munmap(s->buf, NPAGES * PAGE);
	free(s);
	if (pvfio_access_pins() || pvfio_pinned_pages()) {
		fprintf(stderr, "# left: %llu access pins\n",
			(unsigned long long)pvfio_access_pins());
		return -1;
	}
	return 0;
}

static void test_create_and_errors(void **state)
{
	struct acc_state *s = *state;
	struct pvfio_access_create cmd = { .size = sizeof(cmd) };
	uint32_t pin;
	int afd;

	cmd.flags = 1;
	assert_errno(pvfio_ioctl(s->fd, PVFIO_ACCESS_CREATE, &cmd), EOPNOTSUPP);
	assert_errno(pvfio_access_create(s->fd, 999, 0, 0), ENOENT);
	assert_errno(pvfio_access_create(s->fd, s->ioas, 3 * PAGE, 0), EINVAL);
	assert_errno(pvfio_access_create(s->fd, s->ioas, 512, 0), EINVAL);
	assert_errno(pvfio_access_create(s->fd, s->ioas, 0, 4097), EINVAL);

	/* Detached: no pin, no RW, no replace, no detach. */
	afd = pvfio_access_create(s->fd, 0, 0, 0);
	assert_true(afd >= 0);
	assert_true(fcntl(afd, F_GETFD) & FD_CLOEXEC);
	assert_errno(pvfio_access_pin(afd, BASE, PAGE, 0, &pin), ENOENT);
	assert_errno(pvfio_access_rw(afd, BASE, s->buf, 1, false), ENOENT);
	assert_errno(pvfio_access_set_ioas(afd, PVFIO_ACCESS_REPLACE, s->ioas),
		     ENOENT);
	assert_errno(pvfio_ioctl(afd, PVFIO_ACCESS_DETACH,
				 &(struct pvfio_access_detach){
					 .size = 8 }), ENOENT);
	assert_ok(pvfio_access_set_ioas(afd, PVFIO_ACCESS_ATTACH, s->ioas));
	assert_errno(pvfio_access_set_ioas(afd, PVFIO_ACCESS_ATTACH, s->ioas),
		     EBUSY);
	/* The IOAS is held while an access is attached. */
	assert_errno(pvfio_destroy(s->fd, s->ioas), EBUSY);
	/* Commands of one kind of fd do not exist on the other. */
	assert_errno(pvfio_ioctl(s->fd, PVFIO_ACCESS_PIN,
				 &(struct pvfio_access_pin){ .size = 32 }),
		     ENOTTY);
	assert_errno(pvfio_ioctl(afd, PVFIO_IOAS_ALLOC,
				 &(struct pvfio_ioas_alloc){ .size = 12 }),
		     ENOTTY);
	close(afd);
}

static void test_pin_unpin(void **state)
{
	struct acc_state *s = *state;
	uint64_t iova = 0x800000;
	uint32_t a, b, c;
	int afd = pvfio_access_create(s->fd, s->ioas, 0, 0);

	assert_true(afd >= 0);
	assert_ok(pvfio_access_pin(afd, BASE, 2 * PAGE, PVFIO_ACCESS_RW_WRITE,
				   &a));
	assert_ok(pvfio_access_pin(afd, BASE, 2 * PAGE, 0, &b));
	assert_int_not_equal(a, b);
	assert_int_equal(pvfio_access_pins(), 2);
	/* Access pins share the IOAS's pins: nothing pinned twice. */
	assert_int_equal(pvfio_pinned_pages(), NPAGES);
	assert_ok(pvfio_access_unpin(afd, a));
	assert_errno(pvfio_access_unpin(afd, a), ENOENT);
	assert_errno(pvfio_access_unpin(afd, 12345), ENOENT);
	assert_ok(pvfio_access_unpin(afd, b));
	assert_int_equal(pvfio_access_pins(), 0);

	/* Bad ranges. */
	assert_errno(pvfio_access_pin(afd, BASE + 1, PAGE, 0, &c), EINVAL);
	assert_errno(pvfio_access_pin(afd, BASE, PAGE + 1, 0, &c), EINVAL);
	assert_errno(pvfio_access_pin(afd, BASE, 0, 0, &c), EINVAL);
	assert_errno(pvfio_access_pin(afd, BASE - PAGE, 2 * PAGE, 0, &c),
		     ENOENT);
	assert_errno(pvfio_access_pin(afd, UINT64_MAX & ~(PAGE - 1), 2 * PAGE,
				      0, &c), EOVERFLOW);
	assert_errno(pvfio_access_pin(afd, BASE, PAGE, 4, &c), EOPNOTSUPP);
	/* Write pins need a writable mapping. */
	assert_ok(pvfio_map(s->fd, s->ioas, s->buf, PAGE, &iova,
			    FIXED | PVFIO_IOAS_MAP_READABLE));
	assert_errno(pvfio_access_pin(afd, iova, PAGE, PVFIO_ACCESS_RW_WRITE,
				      &c), EPERM);
	assert_ok(pvfio_access_pin(afd, iova, PAGE, 0, &c));
	/* A pin spanning two mappings. */
	assert_ok(pvfio_access_pin(afd, BASE, NPAGES * PAGE, 0, &a));
	close(afd);
	assert_int_equal(pvfio_access_pins(), 0);
}

static void test_rw_alignments(void **state)
{
	struct acc_state *s = *state;
	static const size_t offs[] = { 0, 1, PAGE - 1, PAGE, PAGE + 1,
				       2 * PAGE - 3, 3 * PAGE - 1 };
	static const size_t lens[] = { 1, 2, 7, PAGE - 1, PAGE, PAGE + 2,
				       2 * PAGE + 5 };
	char *src = malloc(4 * PAGE), *dst = malloc(4 * PAGE);
	uint64_t ro = BASE + NPAGES * PAGE;
	size_t i, j, k;
	int afd = pvfio_access_create(s->fd, s->ioas, 0, 0);

	assert_true(afd >= 0 && src && dst);
	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		for (j = 0; j < sizeof(lens) / sizeof(lens[0]); j++) {
			size_t off = offs[i], len = lens[j];

			for (k = 0; k < len; k++)
				src[k] = (char)(i * 31 + j * 7 + k);
			memset(s->buf, 0, 6 * PAGE);
			assert_ok(pvfio_access_rw(afd, BASE + off, src, len,
						  true));
			/* Exactly those bytes changed in the memory. */
			assert_memory_equal(s->buf + off, src, len);
			if (off)
				assert_int_equal(s->buf[off - 1], 0);
			assert_int_equal(s->buf[off + len], 0);
			memset(dst, 0x5a, len);
			assert_ok(pvfio_access_rw(afd, BASE + off, dst, len,
						  false));
			assert_memory_equal(dst, src, len);
		}
	}
	/* A read-only mapping right after the read-write one. */
	assert_ok(pvfio_map(s->fd, s->ioas, s->buf, PAGE, &ro,
			    FIXED | PVFIO_IOAS_MAP_READABLE));
	memset(s->buf + (NPAGES - 1) * PAGE, 0x11, PAGE);
	memset(src, 0x22, 2 * PAGE);
	/* A write across into it fails and writes nothing. */
	assert_errno(pvfio_access_rw(afd, ro - 100, src, 200, true), EPERM);
	assert_int_equal(s->buf[(NPAGES - 1) * PAGE + PAGE - 100], 0x11);
	/* Reading across both is fine. */
	assert_ok(pvfio_access_rw(afd, ro - 100, dst, 200, false));
	assert_memory_equal(dst, s->buf + NPAGES * PAGE - 100, 100);
	assert_memory_equal(dst + 100, s->buf, 100);
	/* Past the end, bad user buffer, size limits. */
	assert_errno(pvfio_access_rw(afd, ro + PAGE - 1, dst, 2, false), ENOENT);
	assert_errno(pvfio_access_rw(afd, BASE, (void *)8, 16, false), EFAULT);
	assert_errno(pvfio_access_rw(afd, BASE, dst, 0, false), EINVAL);
	assert_errno(pvfio_access_rw(afd, BASE, dst, 2 * MiB, false), EINVAL);
	close(afd);
	free(src);
	free(dst);
}

static int count_events(struct pvfio_access_event *ev, int n, uint64_t iova,
			uint64_t len, uint32_t *pins)
{
	int i, pins_seen = 0;
	uint32_t j;

	for (i = 0; i < n; i++) {
		assert_int_equal(ev[i].type, PVFIO_ACCESS_EVENT_UNMAP);
		assert_int_equal(ev[i].iova, iova);
		assert_int_equal(ev[i].length, len);
		for (j = 0; j < ev[i].nr_pins; j++)
			pins[pins_seen++] = ev[i].pin_ids[j];
	}
	return pins_seen;
}

/*
 * Three accesses, overlapping and disjoint pins, one UNMAP: each access
 * with pins inside is called once, with the whole range; exactly its pins
 * inside the range are revoked; the others are not disturbed.
 */
static void test_unmap_notifies_each_access(void **state)
{
	struct acc_state *s = *state;
	struct pvfio_access_event ev[8];
	uint32_t a1, a2, a2_far, a3, pins[16], p;
	uint64_t iova, unmapped;
	int f1, f2, f3, n;

	/* Split the IOAS in three mappings: [0,4) [4,8) [8,16) pages. */
	assert_ok(pvfio_unmap(s->fd, s->ioas, 0, UINT64_MAX, NULL));
	for (n = 0; n < 3; n++) {
		static const int start[] = { 0, 4, 8 }, len[] = { 4, 4, 8 };

		iova = BASE + start[n] * PAGE;
		assert_ok(pvfio_map(s->fd, s->ioas, s->buf + start[n] * PAGE,
				    len[n] * PAGE, &iova, FIXED | RW));
	}
	f1 = pvfio_access_create(s->fd, s->ioas, 0, 0);
	f2 = pvfio_access_create(s->fd, s->ioas, 0, 0);
	f3 = pvfio_access_create(s->fd, s->ioas, 0, 0);
	assert_true(f1 >= 0 && f2 >= 0 && f3 >= 0);
	assert_ok(pvfio_access_pin(f1, BASE, 2 * PAGE, 0, &a1));
	assert_ok(pvfio_access_pin(f2, BASE + PAGE, 2 * PAGE, 0, &a2));
	assert_ok(pvfio_access_pin(f2, BASE + 9 * PAGE, PAGE, 0, &a2_far));
	assert_ok(pvfio_access_pin(f3, BASE + 8 * PAGE, 4 * PAGE, 0, &a3));

	/* Pins keep their mapping: a cut is still refused first. */
	assert_errno(pvfio_unmap(s->fd, s->ioas, BASE, PAGE, NULL), ENOENT);
	assert_ok(pvfio_unmap(s->fd, s->ioas, BASE, 8 * PAGE, &unmapped));
	assert_int_equal(unmapped, 8 * PAGE);

	n = pvfio_access_events(f1, ev, 8);
	assert_int_equal(n, 1);
	assert_int_equal(count_events(ev, n, BASE, 8 * PAGE, pins), 1);
	assert_int_equal(pins[0], a1);
	n = pvfio_access_events(f2, ev, 8);
	assert_int_equal(n, 1);
	assert_int_equal(count_events(ev, n, BASE, 8 * PAGE, pins), 1);
	assert_int_equal(pins[0], a2);
	assert_int_equal(pvfio_access_events(f3, ev, 8), 0);
	/* Revoked pins are gone; the others are intact. */
	assert_errno(pvfio_access_unpin(f1, a1), ENOENT);
	assert_errno(pvfio_access_unpin(f2, a2), ENOENT);
	assert_int_equal(pvfio_access_pins(), 2);
	assert_ok(pvfio_access_unpin(f2, a2_far));
	assert_ok(pvfio_access_unpin(f3, a3));
	/* The access goes on working. */
	assert_ok(pvfio_access_pin(f1, BASE + 8 * PAGE, PAGE, 0, &p));
	close(f1);
	close(f2);
	close(f3);
}

/* A pin-keeping access: -EDEADLOCK in bounded time, the IOAS intact. */
static void test_access_keeping_pins(void **state)
{
	struct acc_state *s = *state;
	struct pvfio_access_event ev[4];
	struct timespec t0, t1;
	uint32_t pin, pin2, other_pin;
	uint64_t iova;
	int afd = pvfio_access_create(s->fd, s->ioas, 0, 0);
	int good = pvfio_access_create(s->fd, s->ioas, 0, 0);

	assert_true(afd >= 0 && good >= 0);
	assert_ok(pvfio_access_pin(afd, BASE + 2 * PAGE, PAGE,
				   PVFIO_ACCESS_RW_WRITE, &pin));
	assert_ok(pvfio_access_pin(good, BASE, PAGE, 0, &other_pin));
	assert_ok(pvfio_set_keep_pins(s->fd, afd, true));
	assert_errno(pvfio_set_keep_pins(s->fd, s->fd, true), EBADF);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_errno(pvfio_unmap(s->fd, s->ioas, 0, UINT64_MAX, NULL),
		     EDEADLOCK);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(t1.tv_sec - t0.tv_sec < 5);
	/* Nothing was unmapped; the well-behaved access unpinned. */
	assert_ok(pvfio_check_map(s->fd, s->mock, BASE, s->buf,
				  NPAGES * PAGE));
	assert_int_equal(pvfio_access_events(good, ev, 4), 1);
	assert_int_equal(pvfio_access_pins(), 1);
	/* Pins work again, RW too; detach is refused the same way. */
	assert_ok(pvfio_access_pin(afd, BASE, PAGE, 0, &pin2));
	assert_ok(pvfio_access_unpin(afd, pin2));
	assert_ok(pvfio_access_rw(afd, BASE, ev, 8, false));
	assert_errno(pvfio_ioctl(afd, PVFIO_ACCESS_DETACH,
				 &(struct pvfio_access_detach){ .size = 8 }),
		     EDEADLOCK);
	/* Behaving again, the unmap goes through. */
	assert_ok(pvfio_set_keep_pins(s->fd, afd, false));
	assert_ok(pvfio_unmap(s->fd, s->ioas, 0, UINT64_MAX, NULL));
	assert_int_equal(pvfio_access_pins(), 0);
	close(afd);
	close(good);

	/* Closed while pin-keeping and holding pins: they are dropped anyway. */
	iova = BASE;
	assert_ok(pvfio_map(s->fd, s->ioas, s->buf, NPAGES * PAGE, &iova,
			    FIXED | RW));
	afd = pvfio_access_create(s->fd, s->ioas, 0, 0);
	assert_true(afd >= 0);
	assert_ok(pvfio_access_pin(afd, BASE, 2 * PAGE, PVFIO_ACCESS_RW_WRITE,
				   &pin));
	assert_ok(pvfio_set_keep_pins(s->fd, afd, true));
	close(afd);
	assert_int_equal(pvfio_access_pins(), 0);
	assert_ok(pvfio_unmap(s->fd, s->ioas, 0, UINT64_MAX, NULL));
}

static void test_replace(void **state)
{
	struct acc_state *s = *state;
	struct pvfio_access_event ev[4];
	uint32_t b, c, pin, pins[8];
	uint64_t iova = BASE;
	int afd = pvfio_access_create(s->fd, s->ioas, 16 * PAGE, 0);

	assert_true(afd >= 0);
	assert_ok(pvfio_ioas_alloc(s->fd, &b));
	assert_ok(pvfio_map(s->fd, b, s->buf, NPAGES * PAGE, &iova,
			    FIXED | RW));
	assert_ok(pvfio_access_pin(afd, BASE, PAGE, 0, &pin));

	/* Onto the current IOAS: nothing happens. */
	assert_ok(pvfio_access_set_ioas(afd, PVFIO_ACCESS_REPLACE, s->ioas));
	assert_int_equal(pvfio_access_events(afd, ev, 4), 0);
	/* An IOAS whose mapping breaks the access's 64 KiB alignment. */
	assert_ok(pvfio_ioas_alloc(s->fd, &c));
	iova = 0x401000;
	assert_ok(pvfio_map(s->fd, c, s->buf, PAGE, &iova, FIXED | RW));
	assert_errno(pvfio_access_set_ioas(afd, PVFIO_ACCESS_REPLACE, c),
		     EINVAL);
	/* Still fully usable on the old IOAS, its pin untouched. */
	assert_int_equal(pvfio_access_events(afd, ev, 4), 0);
	assert_ok(pvfio_access_rw(afd, BASE, ev, 8, false));
	assert_errno(pvfio_access_set_ioas(afd, PVFIO_ACCESS_REPLACE, 999),
		     ENOENT);
	/* While attached the IOAS requires the access's alignment. */
	iova = 0x2001000;
	assert_errno(pvfio_map(s->fd, s->ioas, s->buf, PAGE, &iova,
			       FIXED | RW), EINVAL);

	assert_ok(pvfio_access_set_ioas(afd, PVFIO_ACCESS_REPLACE, b));
	/* The old pin was revoked with the whole space. */
	assert_int_equal(pvfio_access_events(afd, ev, 4), 1);
	assert_int_equal(count_events(ev, 1, 0, UINT64_MAX, pins), 1);
	assert_int_equal(pins[0], pin);
	assert_errno(pvfio_access_unpin(afd, pin), ENOENT);
	/* The old IOAS can go at once (after its mock device). */
	assert_ok(pvfio_destroy(s->fd, s->mock));
	assert_ok(pvfio_destroy(s->fd, s->ioas));
	assert_ok(pvfio_access_pin(afd, BASE, PAGE, 0, &pin));
	assert_errno(pvfio_destroy(s->fd, b), EBUSY);
	/* B needs 64 KiB alignment while the access is on it, not after. */
	iova = 0x2001000;
	assert_errno(pvfio_map(s->fd, b, s->buf, PAGE, &iova, FIXED | RW),
		     EINVAL);
	close(afd);
	assert_ok(pvfio_map(s->fd, b, s->buf, PAGE, &iova, FIXED | RW));
	assert_ok(pvfio_destroy(s->fd, b));
	assert_ok(pvfio_destroy(s->fd, c));
}

/* Closing the context first kills the access: its fd fails cleanly. */
static void test_context_closes_first(void **state)
{
	struct acc_state *s = *state;
	struct pvfio_access_event ev;
	struct pollfd pfd;
	uint32_t pin;
	int afd = pvfio_access_create(s->fd, s->ioas, 0, 0);

	assert_true(afd >= 0);
	assert_ok(pvfio_access_pin(afd, BASE, 4 * PAGE, 0, &pin));
	close(s->fd);
	assert_int_equal(pvfio_access_pins(), 0);
	assert_int_equal(pvfio_pinned_pages(), 0);
	assert_errno(pvfio_access_pin(afd, BASE, PAGE, 0, &pin), ENODEV);
	assert_errno(pvfio_access_unpin(afd, pin), ENODEV);
	/* The revoke event is still there to read, then ENODEV. */
	assert_int_equal(read(afd, &ev, sizeof(ev)), sizeof(ev));
	assert_int_equal(ev.nr_pins, 1);
	assert_int_equal(read(afd, &ev, sizeof(ev)), -1);
	assert_int_equal(errno, ENODEV);
	pfd.fd = afd;
	pfd.events = POLLIN;
	assert_int_equal(poll(&pfd, 1, 0), 1);
	assert_true(pfd.revents & POLLHUP);
	close(afd);
	s->fd = pvfio_open();
}

/* A process killed with pins through an access releases everything. */
static void test_killed_with_access(void **state)
{
	struct acc_state *s = *state;
	int ready[2];
	pid_t pid;
	char c;

	assert_ok(pipe(ready));
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char *mem = pvfio_alloc(32 * PAGE, PAGE);
		uint64_t iova = 0;
		uint32_t ioas, pin;
		int fd = pvfio_open(), afd, i;

		close(s->fd);
		if (fd < 0 || !mem || pvfio_ioas_alloc(fd, &ioas) ||
		    pvfio_map(fd, ioas, mem, 32 * PAGE, &iova, RW))
			_exit(1);
		afd = pvfio_access_create(fd, ioas, 0, 0);
		for (i = 0; i < 32; i++)
			if (pvfio_access_pin(afd, iova + i * PAGE, PAGE, 0, &pin))
				_exit(2);
		if (write(ready[1], "r", 1) != 1)
			_exit(3);
		pause();
		_exit(0);
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	assert_int_equal(pvfio_access_pins(), 32);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	assert_int_equal(pvfio_access_pins(), 0);
	assert_int_equal(pvfio_pinned_pages(), NPAGES);
}

/* A full event queue reports how many events it lost. */
static void test_event_overflow(void **state)
{
	struct acc_state *s = *state;
	struct pvfio_access_event ev[8];
	uint32_t pin, pins[64];
	int afd = pvfio_access_create(s->fd, s->ioas, 0, 2), i, n, total;

	assert_true(afd >= 0);
	/* 16 pins revoked by one unmap make 2 events of 8; then 1 more. */
	for (i = 0; i < 16; i++)
		assert_ok(pvfio_access_pin(afd, BASE + i * PAGE, PAGE, 0, &pin));
	for (i = 0; i < 8; i++)
		assert_ok(pvfio_access_pin(afd, BASE + i * PAGE, PAGE, 0, &pin));
	assert_ok(pvfio_unmap(s->fd, s->ioas, 0, UINT64_MAX, NULL));
	n = pvfio_access_events(afd, ev, 8);
	assert_int_equal(n, 3);
	assert_int_equal(ev[0].type, PVFIO_ACCESS_EVENT_OVERFLOW);
	assert_int_equal(ev[0].lost, 1);
	total = count_events(&ev[1], 2, 0, UINT64_MAX, pins);
	assert_int_equal(total, 16);
	assert_int_equal(pvfio_access_pins(), 0);
	/* A buffer too small for one event. */
	assert_int_equal(read(afd, ev, sizeof(ev[0]) - 1), -1);
	assert_int_equal(errno, EINVAL);
	fcntl(afd, F_SETFL, O_NONBLOCK);
	assert_int_equal(read(afd, ev, sizeof(ev[0])), -1);
	assert_int_equal(errno, EAGAIN);
	close(afd);
}

/* Concurrency: everything at once on shared IOASes for a fixed time. */
struct race {
	int fd;
	uint32_t ioas_a, ioas_b;
	char *buf;
	int afd[2];
	volatile int stop;
	unsigned long deadlocks, ops;
};

static unsigned int race_rand(unsigned int *seed, unsigned int n)
{
	return rand_r(seed) % n;
}

static void *race_pinner(void *arg)
{
	struct race *r = arg;
	unsigned int seed = (uintptr_t)&seed;
	int afd = r->afd[race_rand(&seed, 2)];
	uint32_t pins[8];
	int n = 0;

	while (!r->stop) {
		unsigned int p = race_rand(&seed, NPAGES - 2);

		if (n == 8) {
			pvfio_access_unpin(afd, pins[0]);	/* may be revoked */
			memmove(pins, pins + 1, sizeof(pins) - sizeof(pins[0]));
			n--;
		}
		if (!pvfio_access_pin(afd, BASE + p * PAGE,
				      (1 + race_rand(&seed, 2)) * PAGE,
				      race_rand(&seed, 2), &pins[n]))
			n++;
		__atomic_add_fetch(&r->ops, 1, __ATOMIC_RELAXED);
	}
	while (n--)
		pvfio_access_unpin(afd, pins[n]);
	return NULL;
}

static void *race_rw(void *arg)
{
	struct race *r = arg;
	unsigned int seed = 7;
	char data[3 * 4096];

	while (!r->stop) {
		pvfio_access_rw(r->afd[race_rand(&seed, 2)],
				BASE + race_rand(&seed, NPAGES * PAGE - sizeof(data)),
				data, 1 + race_rand(&seed, sizeof(data) - 1),
				race_rand(&seed, 2));
		__atomic_add_fetch(&r->ops, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void *race_unmapper(void *arg)
{
	struct race *r = arg;
	uint64_t iova;
	int ret;

	while (!r->stop) {
		ret = pvfio_unmap(r->fd, r->ioas_a, BASE, NPAGES * PAGE, NULL);
		if (ret == -EDEADLOCK)
			__atomic_add_fetch(&r->deadlocks, 1, __ATOMIC_RELAXED);
		iova = BASE;
		pvfio_map(r->fd, r->ioas_a, r->buf, NPAGES * PAGE, &iova,
			  FIXED | RW);
		__atomic_add_fetch(&r->ops, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void *race_replacer(void *arg)
{
	struct race *r = arg;
	unsigned int seed = 11;

	while (!r->stop) {
		int afd = r->afd[race_rand(&seed, 2)];

		switch (race_rand(&seed, 3)) {
		case 0:
			pvfio_access_set_ioas(afd, PVFIO_ACCESS_REPLACE,
					      race_rand(&seed, 2) ? r->ioas_a :
								    r->ioas_b);
			break;
		case 1:
			pvfio_ioctl(afd, PVFIO_ACCESS_DETACH,
				    &(struct pvfio_access_detach){ .size = 8 });
			break;
		default:
			pvfio_access_set_ioas(afd, PVFIO_ACCESS_ATTACH,
					      r->ioas_a);
		}
		__atomic_add_fetch(&r->ops, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void test_concurrency(void **state)
{
	struct acc_state *s = *state;
	struct race r = { .fd = s->fd, .ioas_a = s->ioas, .buf = s->buf };
	void *(*fns[])(void *) = { race_pinner, race_pinner, race_pinner,
				   race_rw, race_unmapper, race_replacer,
				   race_replacer };
	pthread_t th[sizeof(fns) / sizeof(fns[0])];
	struct pvfio_access_event ev[64];
	uint64_t iova = BASE;
	size_t i;

	assert_ok(pvfio_ioas_alloc(s->fd, &r.ioas_b));
	assert_ok(pvfio_map(s->fd, r.ioas_b, s->buf, NPAGES * PAGE, &iova,
			    FIXED | RW));
	for (i = 0; i < 2; i++) {
		r.afd[i] = pvfio_access_create(s->fd, s->ioas, 0, 4096);
		assert_true(r.afd[i] >= 0);
	}
	for (i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
		assert_ok(pthread_create(&th[i], NULL, fns[i], &r));
	sleep(4);
	r.stop = 1;
	for (i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
		assert_ok(pthread_join(th[i], NULL));
	print_message("# %lu operations, %lu unmaps refused\n", r.ops,
		      r.deadlocks);
	/* Every consumer always unpins when asked: no unmap may give up. */
	assert_int_equal(r.deadlocks, 0);
	/* The pinners unpinned what they still held; events drain. */
	for (i = 0; i < 2; i++) {
		while (pvfio_access_events(r.afd[i], ev, 64) > 0)
			;
		close(r.afd[i]);
	}
	assert_int_equal(pvfio_access_pins(), 0);
	assert_ok(pvfio_destroy(s->fd, r.ioas_b));
}

/*
 * DESTROY of the IOAS an access just left, while other threads run RW on
 * the access: an RW that started on the old IOAS is a short-term user,
 * which DESTROY waits for and never fails on (issue 7, defect 4).
 */
static void *rw_forever(void *arg)
{
	struct race *r = arg;
	char data[64];

	while (!r->stop) {
		pvfio_access_rw(r->afd[0], BASE, data, sizeof(data), false);
		__atomic_add_fetch(&r->ops, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void test_destroy_after_replace_under_rw(void **state)
{
	struct acc_state *s = *state;
	struct race r = { .fd = s->fd, .buf = s->buf };
	struct timespec t0, t;
	pthread_t th[3];
	uint32_t cur, next;
	unsigned long rounds = 0;
	uint64_t iova;
	size_t i;

	assert_ok(pvfio_ioas_alloc(s->fd, &cur));
	iova = BASE;
	assert_ok(pvfio_map(s->fd, cur, s->buf, PAGE, &iova, FIXED | RW));
	r.afd[0] = pvfio_access_create(s->fd, cur, 0, 16);
	assert_true(r.afd[0] >= 0);
	for (i = 0; i < 3; i++)
		assert_ok(pthread_create(&th[i], NULL, rw_forever, &r));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		assert_ok(pvfio_ioas_alloc(s->fd, &next));
		iova = BASE;
		assert_ok(pvfio_map(s->fd, next, s->buf, PAGE, &iova,
				    FIXED | RW));
		assert_ok(pvfio_access_set_ioas(r.afd[0], PVFIO_ACCESS_REPLACE,
						next));
		/* Nothing depends on the old IOAS any more. */
		assert_ok(pvfio_destroy(s->fd, cur));
		cur = next;
		rounds++;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (t.tv_sec - t0.tv_sec < 3);
	r.stop = 1;
	for (i = 0; i < 3; i++)
		assert_ok(pthread_join(th[i], NULL));
	print_message("# %lu replace+destroy rounds against %lu reads\n",
		      rounds, r.ops);
	close(r.afd[0]);
	assert_ok(pvfio_destroy(s->fd, cur));
}

/* Size rules of ACCESS_CREATE and of the access fd's commands. */
static int size_afd;
static uint32_t size_ioas;

static void prep_access_create(int fd, void *buf)
{
	struct pvfio_access_create *cmd = buf;

	(void)fd;
	cmd->ioas_id = size_ioas;
}

static void prep_pin(int fd, void *buf)
{
	struct pvfio_access_pin *cmd = buf;

	(void)fd;
	cmd->iova = BASE;
	cmd->length = PAGE;
}

static void prep_unpin(int fd, void *buf)
{
	struct pvfio_access_unpin *cmd = buf;

	assert_ok(pvfio_access_pin(fd, BASE, PAGE, 0, &cmd->pin_id));
}

static char rw_buf[64];

static void prep_rw(int fd, void *buf)
{
	struct pvfio_access_rw *cmd = buf;

	(void)fd;
	cmd->iova = BASE + 5;
	cmd->length = sizeof(rw_buf);
	cmd->data = (uintptr_t)rw_buf;
}

static void prep_detach(int fd, void *buf)
{
	(void)buf;
	pvfio_access_set_ioas(fd, PVFIO_ACCESS_ATTACH, size_ioas);
}

static void prep_attach(int fd, void *buf)
{
	struct pvfio_access_ioas *cmd = buf;

	pvfio_ioctl(fd, PVFIO_ACCESS_DETACH,
		    &(struct pvfio_access_detach){ .size = 8 });
	cmd->ioas_id = size_ioas;
}

static void prep_replace(int fd, void *buf)
{
	struct pvfio_access_ioas *cmd = buf;

	/* REPLACE needs an attached access (a failed ATTACH left it not). */
	pvfio_access_set_ioas(fd, PVFIO_ACCESS_ATTACH, size_ioas);
	cmd->ioas_id = size_ioas;
}

static void test_size_rules(void **state)
{
	struct acc_state *s = *state;
	const struct pvfio_size_case create =
		SIZE_CASE(PVFIO_ACCESS_CREATE, struct pvfio_access_create,
			  out_fd, 0, prep_access_create);
	const struct pvfio_size_case cases[] = {
		SIZE_CASE(PVFIO_ACCESS_PIN, struct pvfio_access_pin,
			  __reserved, 0, prep_pin),
		SIZE_CASE(PVFIO_ACCESS_UNPIN, struct pvfio_access_unpin,
			  pin_id, 0, prep_unpin),
		SIZE_CASE(PVFIO_ACCESS_RW, struct pvfio_access_rw, data, 0,
			  prep_rw),
		SIZE_CASE(PVFIO_ACCESS_DETACH, struct pvfio_access_detach,
			  __reserved, 0, prep_detach),
		SIZE_CASE(PVFIO_ACCESS_ATTACH, struct pvfio_access_ioas,
			  ioas_id, 0, prep_attach),
		SIZE_CASE(PVFIO_ACCESS_REPLACE, struct pvfio_access_ioas,
			  ioas_id, 0, prep_replace),
	};
	size_t i;
	int first;

	size_ioas = s->ioas;
	/*
	 * Each valid ACCESS_CREATE makes an fd the helper cannot see: they
	 * take the lowest free numbers, from @first on; close them all.
	 */
	first = dup(0);
	close(first);
	pvfio_check_size_rules(s->fd, &create);
	for (i = 0; i < 8; i++)
		close(first + i);
	size_afd = pvfio_access_create(s->fd, s->ioas, 0, 0);
	assert_true(size_afd >= 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		pvfio_check_size_rules(size_afd, &cases[i]);
	close(size_afd);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, acc_setup, acc_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_create_and_errors),
		T(test_size_rules),
		T(test_pin_unpin),
		T(test_rw_alignments),
		T(test_unmap_notifies_each_access),
		T(test_access_keeping_pins),
		T(test_replace),
		T(test_context_closes_first),
		T(test_killed_with_access),
		T(test_event_overflow),
		T(test_concurrency),
		T(test_destroy_after_replace_under_rw),
	};

	return cmocka_run_group_tests_name("access", tests,
					   pvfio_group_setup_test_ops,
					   pvfio_group_teardown_test_ops) ? 1 : 0;
}
