/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers of the pvfio cmocka suites: the libkmod fixture that loads
 * and unloads module/pvfio.ko, /dev/pvfio wrappers, and leak checks.
 */
#ifndef PVFIO_TEST_H
#define PVFIO_TEST_H

#include <errno.h>
#include <stdio.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/types.h>

#include <cmocka.h>

#include "../uapi/pvfio.h"

#define PVFIO_DEV "/dev/pvfio"

/* Fixture: load pvfio.ko (path from $PVFIO_KO) with @params. */
int pvfio_fixture_load(const char *params);
/* Load or unload another module by path ($PVFIO_CONSUMER_KO) or name. */
int pvfio_kmod_insert(const char *path, const char *params);
int pvfio_kmod_remove(const char *name);
/*
 * Fixture teardown: check no object, context or pin is left (when test ops
 * are on), then remove the module and check it is gone.
 */
int pvfio_fixture_unload(bool test_ops);

/* cmocka group setup/teardown: pvfio with enable_test_ops=1. */
int pvfio_group_setup_test_ops(void **state);
int pvfio_group_teardown_test_ops(void **state);

int pvfio_open(void);
/* ioctl() returning 0 or -errno. */
int pvfio_ioctl(int fd, unsigned long cmd, void *arg);

int pvfio_ioas_alloc(int fd, uint32_t *id);
int pvfio_destroy(int fd, uint32_t id);
int pvfio_test_stats(int fd, struct pvfio_test_stats *stats);
/* Module-wide live object count (needs enable_test_ops). */
uint64_t pvfio_nr_objects(void);

int pvfio_map(int fd, uint32_t ioas, void *buf, uint64_t len, uint64_t *iova,
	      uint32_t flags);
int pvfio_unmap(int fd, uint32_t ioas, uint64_t iova, uint64_t len,
		uint64_t *unmapped);
int pvfio_mock_device(int fd, uint32_t ioas, uint32_t *dev);
int pvfio_check_map(int fd, uint32_t mock_dev, uint64_t iova, void *buf,
		    uint64_t len);
int pvfio_check_refs(int fd, void *buf, uint64_t len, bool pinned);
/* Map calls the mock domain of a mock device received, or UINT64_MAX. */
uint64_t pvfio_mock_map_calls(int fd, uint32_t mock_dev);
/* Module-wide pinned pages (needs enable_test_ops). */
uint64_t pvfio_pinned_pages(void);
/* VmLck of this process, in KiB. */
long pvfio_vmlck_kb(void);
/* A "Name: N kB" field of /proc/<pid>/status (@pid 0: this process), or -1. */
long pvfio_status_kb(pid_t pid, const char *field);
/* VmPin (mm->pinned_vm) of this process, in KiB. */
long pvfio_vmpin_kb(void);
/* Pages charged to the user of the caller of STATS on @fd, or UINT64_MAX. */
uint64_t pvfio_user_locked_vm(int fd);

/*
 * The kernel's FOLL_PIN counters (/proc/vmstat nr_foll_pin_acquired and
 * nr_foll_pin_released), to count the pins taken and given back since a
 * snapshot.
 */
struct pvfio_pin_count {
	long long acquired, released;
};
void pvfio_pin_snap(struct pvfio_pin_count *c);
/* Pins acquired / released since @c was taken. */
long long pvfio_pins_acquired(const struct pvfio_pin_count *c);
long long pvfio_pins_released(const struct pvfio_pin_count *c);

/* PVFIO_OPTION on the context (@object_id 0) or an object. */
int pvfio_option(int fd, uint32_t option_id, uint16_t op, uint32_t object_id,
		 uint64_t *val);
/* PVFIO_OPTION_RLIMIT_MODE: set @mode on the context of @fd. */
int pvfio_set_rlimit_mode(int fd, uint64_t mode);
int pvfio_ioas_change_process(int fd);
/* PVFIO_TEST_OP_MEMLIMIT of the context of @fd (0: the normal rule). */
int pvfio_set_memlimit(int fd, uint64_t limit_pages);
/* PVFIO_TEST_OP_SET_TEMP_MEMORY_LIMIT, module wide (0: the default). */
int pvfio_set_temp_memory_limit(int fd, uint32_t bytes);
/* MAP_FILE of @len bytes of @file at @start (@iova in and out). */
int pvfio_map_file(int fd, uint32_t ioas, int file, uint64_t start,
		   uint64_t len, uint64_t *iova, uint32_t flags);
/* IOAS_IOVA_RANGES' out_iova_alignment of @ioas, or 0 on error. */
uint64_t pvfio_iova_alignment(int fd, uint32_t ioas);
/* Drop one capability from the effective set of this process. */
int pvfio_drop_cap(int cap);
/* Anonymous memory of @len bytes aligned to @align, or NULL. */
void *pvfio_alloc(size_t len, size_t align);
/* @len bytes of 2 MiB hugetlbfs pages (reserving them), or NULL. */
void *pvfio_alloc_hugetlb(size_t len);

#define RW (PVFIO_IOAS_MAP_READABLE | PVFIO_IOAS_MAP_WRITEABLE)
#define FIXED PVFIO_IOAS_MAP_FIXED_IOVA
#define PAGE 4096UL
#define MiB (1024UL * 1024)

/*
 * The ABI size rules for one ioctl: @prepare fills a valid command (creating
 * @prep_objects objects, or -1 when it also destroys some) whose result
 * is 0; the rules are checked with
 * sizes short of the mandatory part, exact, longer with a zero tail, and
 * longer with a non-zero tail (which must change nothing).
 */
struct pvfio_size_case {
	const char *name;
	unsigned long ioctl;
	size_t size;		/* sizeof() the uapi struct */
	size_t min_size;	/* offsetofend() of the last mandatory field */
	int prep_objects;
	void (*prepare)(int fd, void *buf);
};

#define SIZE_CASE(_ioctl, _struct, _last, _objs, _prep)			\
	{ #_ioctl, _ioctl, sizeof(_struct),				\
	  offsetof(_struct, _last) + sizeof(((_struct *)0)->_last),	\
	  _objs, _prep }

void pvfio_check_size_rules(int fd, const struct pvfio_size_case *c);

/* Devices: BIND by PCI address, ATTACH (@pt: in the target, out what it got), DETACH. */
int pvfio_device_bind(int fd, uint32_t pci_domain, uint32_t pci_bdf,
		      uint32_t *dev);
int pvfio_device_attach(int fd, uint32_t dev, uint32_t *pt);
int pvfio_device_detach(int fd, uint32_t dev);

/* Whether the kernel command line contains @word. */
bool pvfio_cmdline_has(const char *word);

/* Access fds. */
int pvfio_access_create(int fd, uint32_t ioas, uint32_t align,
			uint32_t queue_len);	/* fd or -errno */
int pvfio_access_pin(int afd, uint64_t iova, uint64_t len, uint32_t flags,
		     uint32_t *pin_id);
int pvfio_access_unpin(int afd, uint32_t pin_id);
int pvfio_access_rw(int afd, uint64_t iova, void *data, uint64_t len,
		    bool write);
int pvfio_access_set_ioas(int afd, unsigned long ioctl, uint32_t ioas);
/* Read the events queued now (non-blocking); returns how many, or -errno. */
int pvfio_access_events(int afd, struct pvfio_access_event *ev, int max);
/* Module-wide access pins (needs enable_test_ops). */
uint64_t pvfio_access_pins(void);
int pvfio_set_keep_pins(int fd, int afd, bool keep_pins);

/* /proc/vmstat counter by name, or -1. */
long long pvfio_vmstat(const char *name);

/*
 * Forked children cannot use cmocka's asserts: a child checks with
 * CHILD_CHECK, which prints the failed condition and exits with @code, and
 * the parent asserts pvfio_wait_child() returned 0.
 */
#define CHILD_CHECK(code, cond)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "# child step %d: %s\n", (code),	\
				#cond);					\
			_exit(code);					\
		}							\
	} while (0)
/* The exit code of child @pid, or -1 if it did not exit normally. */
int pvfio_wait_child(pid_t pid);
/* Become uid/gid 65534 with no supplementary group and no capability. */
int pvfio_become_nobody(void);
/* One byte through a pipe, for parent and child to take turns. */
int pvfio_send(int fd, char c);
char pvfio_recv(int fd);

/* assert an expression evaluating to 0 or -errno equals -@err. */
#define assert_errno(expr, err) assert_int_equal((expr), -(err))
#define assert_ok(expr) assert_int_equal((expr), 0)

#endif /* PVFIO_TEST_H */
