/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * pvfio_consumer: a test module that uses pvfio only through the in-kernel
 * API of include/pvfio.h, the way an emulated device would.  The test suite
 * drives it through /dev/pvfio-consumer with these ioctls.  Not an ABI.
 */
#ifndef PVFIO_CONSUMER_H
#define PVFIO_CONSUMER_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define PVFIO_CONSUMER_MAX_PINS 64

/* Flags of SETUP. */
#define PVFIO_CONSUMER_NO_CALLBACK	(1U << 0)	/* access without unmap */
#define PVFIO_CONSUMER_KEEP_PINS		(1U << 1)	/* keep pins when asked */

struct pvfio_consumer_setup {
	__s32 pvfio_fd;		/* an open /dev/pvfio */
	__u32 ioas_id;		/* attach to it */
	__u32 flags;
	__u32 __reserved;
};

struct pvfio_consumer_pin {
	__aligned_u64 iova;
	__aligned_u64 length;
	__u32 write;
	__u32 out_index;	/* the consumer's slot for the pin */
};

struct pvfio_consumer_rw {
	__aligned_u64 iova;
	__aligned_u64 length;
	__aligned_u64 data;	/* user buffer */
	__u32 write;
	__u32 kthread;		/* do the copy from a kernel thread */
};

struct pvfio_consumer_page {
	__u32 index;		/* pin slot */
	__u32 page;		/* page within the pin */
	__u32 offset;		/* byte within the page */
	__u32 out_byte;		/* read through the pinned struct page */
};

struct pvfio_consumer_stats {
	__aligned_u64 out_callbacks;
	__aligned_u64 out_last_iova;
	__aligned_u64 out_last_length;
	__u32 out_pins;		/* pins held */
	__u32 out_revoked;	/* pins unpinned from callbacks */
};

#define PVFIO_CONSUMER_SETUP	_IOW('p', 0xf0, struct pvfio_consumer_setup)
#define PVFIO_CONSUMER_PIN	_IOWR('p', 0xf1, struct pvfio_consumer_pin)
#define PVFIO_CONSUMER_UNPIN_ALL _IO('p', 0xf2)
#define PVFIO_CONSUMER_RW	_IOW('p', 0xf3, struct pvfio_consumer_rw)
#define PVFIO_CONSUMER_REPLACE	_IOW('p', 0xf4, __u32)
#define PVFIO_CONSUMER_STATS	_IOR('p', 0xf5, struct pvfio_consumer_stats)
#define PVFIO_CONSUMER_PAGE	_IOWR('p', 0xf6, struct pvfio_consumer_page)
#define PVFIO_CONSUMER_DETACH	_IO('p', 0xf7)

#endif /* PVFIO_CONSUMER_H */
