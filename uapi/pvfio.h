/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * pvfio - an iommufd-style I/O address space layer for stock kernels.
 *
 * Userspace ABI of /dev/pvfio.
 *
 * Rules every ioctl follows (modelled on iommufd):
 *
 * - Every command struct begins with ``__u32 size``, which userspace sets to
 *   sizeof() the struct it was compiled with.  The kernel rejects a size
 *   shorter than the command's last mandatory field with -EINVAL, accepts a
 *   longer struct whose extra tail is all zero, and rejects a longer struct
 *   with a non-zero tail with -E2BIG.  Output fields (``out_*``) are written
 *   back only up to the size userspace passed.
 * - Fields are fixed width; user pointers are ``__aligned_u64``; padding is
 *   an explicit ``__reserved`` field that must be zero (-EOPNOTSUPP
 *   otherwise).  Unknown flag bits fail with -EOPNOTSUPP.
 * - ioctl numbers are _IO(PVFIO_TYPE, nr): the number does not encode the
 *   size, so a struct can grow without renumbering.
 * - Errors: ENOTTY unknown ioctl, EOPNOTSUPP unknown flag or non-zero
 *   reserved field, EINVAL bad argument, ENOENT no such object or IOVA,
 *   EOVERFLOW arithmetic overflow, EEXIST overlap, ENOSPC no free IOVA,
 *   ENOMEM memory limit, EBUSY object in use, EFAULT bad user memory, EPERM
 *   missing privilege, EMSGSIZE output array too small.
 *
 * Object IDs are private to the file descriptor that created them: the same
 * number on another open of /dev/pvfio names a different object or nothing.
 * Closing the file destroys every object created through it.
 */
#ifndef _UAPI_PVFIO_H
#define _UAPI_PVFIO_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define PVFIO_TYPE	('P')
#define PVFIO_CMD_BASE	0xa0

enum {
	PVFIO_CMD_DESTROY = PVFIO_CMD_BASE,
	PVFIO_CMD_IOAS_ALLOC = 0xa1,
	PVFIO_CMD_IOAS_IOVA_RANGES = 0xa2,
	PVFIO_CMD_TEST = 0xdf,
};

/**
 * struct pvfio_destroy - ioctl(PVFIO_DESTROY)
 * @size: sizeof(struct pvfio_destroy)
 * @id: ID of the object to destroy
 *
 * Destroy any object by its ID.
 *
 * Errors: ENOENT no object with @id in this context; EBUSY another object
 * (for example a device attached to an IOAS) or a running operation still
 * uses it.
 */
struct pvfio_destroy {
	__u32 size;
	__u32 id;
};
#define PVFIO_DESTROY _IO(PVFIO_TYPE, PVFIO_CMD_DESTROY)

/**
 * struct pvfio_ioas_alloc - ioctl(PVFIO_IOAS_ALLOC)
 * @size: sizeof(struct pvfio_ioas_alloc)
 * @flags: must be 0
 * @out_ioas_id: output, the ID of the new I/O address space
 *
 * Allocate an I/O address space (IOAS): an empty set of IOVA -> user memory
 * mappings that devices, hardware page tables and accesses can be attached
 * to.  A new IOAS allows every IOVA from 0 to U64_MAX.
 *
 * Errors: EOPNOTSUPP non-zero @flags; ENOMEM out of memory or IDs.
 */
struct pvfio_ioas_alloc {
	__u32 size;
	__u32 flags;
	__u32 out_ioas_id;
};
#define PVFIO_IOAS_ALLOC _IO(PVFIO_TYPE, PVFIO_CMD_IOAS_ALLOC)

/**
 * struct pvfio_iova_range - one inclusive range of IOVA
 * @start: first IOVA
 * @last: last IOVA, inclusive
 */
struct pvfio_iova_range {
	__aligned_u64 start;
	__aligned_u64 last;
};

/**
 * struct pvfio_ioas_iova_ranges - ioctl(PVFIO_IOAS_IOVA_RANGES)
 * @size: sizeof(struct pvfio_ioas_iova_ranges)
 * @ioas_id: IOAS to query
 * @num_iovas: input: capacity of the @allowed_iovas array, in entries;
 *             output: the number of ranges the IOAS has
 * @__reserved: must be 0
 * @allowed_iovas: user pointer to an array of struct pvfio_iova_range
 * @out_iova_alignment: output, the alignment every IOVA and length passed to
 *                      MAP must have (at least PAGE_SIZE)
 *
 * Report the IOVA ranges that can be mapped: the ranges the IOAS allows,
 * minus the reserved regions of everything attached to it, minus what lies
 * outside the aperture of attached domains, sorted and disjoint.  Ranges can
 * change as devices are attached and detached.
 *
 * If @num_iovas is smaller than the number of ranges, the first @num_iovas
 * are written, @num_iovas is set to the total and the call fails with
 * EMSGSIZE; call again with a larger array.  @num_iovas = 0 with a NULL
 * @allowed_iovas is the way to ask for the count.
 *
 * Errors: ENOENT @ioas_id is not an IOAS of this context; EOPNOTSUPP
 * non-zero @__reserved; EMSGSIZE the array is too small; EFAULT bad
 * @allowed_iovas.
 */
struct pvfio_ioas_iova_ranges {
	__u32 size;
	__u32 ioas_id;
	__u32 num_iovas;
	__u32 __reserved;
	__aligned_u64 allowed_iovas;
	__aligned_u64 out_iova_alignment;
};
#define PVFIO_IOAS_IOVA_RANGES _IO(PVFIO_TYPE, PVFIO_CMD_IOAS_IOVA_RANGES)

/*
 * Test operations.  They exist only while the module is loaded with
 * enable_test_ops=1; otherwise PVFIO_TEST fails with ENOTTY like any unknown
 * ioctl.  They are for the project's own test suites and are not a stable
 * interface.
 */
enum pvfio_test_op {
	PVFIO_TEST_OP_STATS = 1,
	PVFIO_TEST_OP_MOCK_DEVICE = 2,
};

/**
 * struct pvfio_test_stats - output of PVFIO_TEST_OP_STATS
 * @out_contexts: open /dev/pvfio files, module wide (including the caller's)
 * @out_objects: live objects, module wide
 * @out_pinned_pages: pages pinned by pvfio, module wide
 */
struct pvfio_test_stats {
	__aligned_u64 out_contexts;
	__aligned_u64 out_objects;
	__aligned_u64 out_pinned_pages;
};

/**
 * struct pvfio_test_mock_device - PVFIO_TEST_OP_MOCK_DEVICE
 * @out_device_id: output, ID of the new mock device object
 * @__reserved: must be 0
 *
 * Create a mock device attached to the IOAS @id of the command.  The mock
 * device holds the IOAS until it is destroyed.
 */
struct pvfio_test_mock_device {
	__u32 out_device_id;
	__u32 __reserved;
};

/**
 * struct pvfio_test_cmd - ioctl(PVFIO_TEST)
 * @size: sizeof(struct pvfio_test_cmd)
 * @op: one of enum pvfio_test_op
 * @id: the object the operation works on, where it needs one
 * @__reserved: must be 0
 * @stats: PVFIO_TEST_OP_STATS
 * @mock_device: PVFIO_TEST_OP_MOCK_DEVICE
 * @__union_size: sizes the union so that later operations fit without
 *                changing the struct size
 *
 * Errors: ENOTTY test operations are disabled; EOPNOTSUPP unknown @op or
 * non-zero reserved; ENOENT @id does not name an object of the right type.
 */
struct pvfio_test_cmd {
	__u32 size;
	__u32 op;
	__u32 id;
	__u32 __reserved;
	union {
		struct pvfio_test_stats stats;
		struct pvfio_test_mock_device mock_device;
		__u8 __union_size[64];
	};
};
#define PVFIO_TEST _IO(PVFIO_TYPE, PVFIO_CMD_TEST)

#endif /* _UAPI_PVFIO_H */
