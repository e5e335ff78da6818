/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * pvfio - an iommufd-style I/O address space layer for stock kernels.
 *
 * Userspace ABI of /dev/pvfio-iommufd, pvfio's second front end.
 *
 * This node speaks the userspace ABI of the kernel's iommufd byte for byte:
 * the same ioctl magic (';'), the same command numbers and the same struct
 * layouts as Linux 7.2.13's include/uapi/linux/iommufd.h and, for the test
 * interface, drivers/iommu/iommufd/iommufd_test.h.  A program built against
 * <linux/iommufd.h> runs unchanged against this node.  The text of this
 * header is pvfio's own; only the numbers and layouts are iommufd's.  The
 * identifiers carry a pvfio_ifd / PVFIO_IFD_ prefix so that this header can
 * be included next to <linux/iommufd.h> (tests/uapi_iommufd_layout.c does,
 * and proves every size, offset and value equal).
 *
 * The node is never named `iommu`: pvfio loads next to a kernel's own
 * iommufd, which owns /dev/iommu.  Only where the running kernel has no
 * iommufd (Debian's stock 6.1, 6.12 and 7.2 kernels) does a udev rule add
 * /dev/iommu as a link to /dev/pvfio-iommufd.
 *
 * Rules every ioctl follows (the same as on /dev/pvfio, and iommufd's):
 *
 * - Every command struct begins with ``__u32 size``, which userspace sets to
 *   sizeof() the struct it was compiled with.  A size shorter than the
 *   command's last mandatory field (named in each command's kernel-doc as
 *   "Minimum size") fails with -EINVAL; a longer struct is accepted when
 *   the tail pvfio does not know is all zero, and fails with -E2BIG
 *   otherwise.  Output fields are written back only up to @size.
 * - Fields are fixed width; user pointers are ``__aligned_u64``; padding is
 *   an explicit ``__reserved`` field that must be zero (-EOPNOTSUPP).
 *   Unknown flag bits fail with -EOPNOTSUPP.
 * - ioctl numbers are _IO(PVFIO_IFD_TYPE, nr): the number does not encode
 *   the size, so a struct can grow without renumbering.
 * - Errors: ENOTTY unknown ioctl; E2BIG non-zero bytes past what pvfio
 *   knows; EOPNOTSUPP a known field holds a value pvfio does not support
 *   (unknown flag, type or option, non-zero reserved field, or a command
 *   below that pvfio does not implement); EINVAL a field is wrong; ENOENT
 *   no such object ID or IOVA; ENOMEM out of memory or over the memory
 *   limit; EOVERFLOW arithmetic overflowed.  Each command lists the others.
 *
 * Object IDs are private to the open file that created them.  Closing the
 * file destroys every object created through it.
 *
 * What pvfio implements:
 *
 * - IOAS: DESTROY, IOAS_ALLOC, IOAS_ALLOW_IOVAS, IOAS_COPY,
 *   IOAS_IOVA_RANGES, IOAS_MAP, IOAS_MAP_FILE, IOAS_UNMAP, OPTION,
 *   IOAS_CHANGE_PROCESS, on the same core as /dev/pvfio: pinning is lazy,
 *   and pinned pages are charged as struct pvfio_ifd_ioas_map says.
 * - HWPT_ALLOC of a kernel-managed page table (PVFIO_IFD_HWPT_DATA_NONE)
 *   and GET_HW_INFO.  vfio's device cdevs bind only to the kernel's own
 *   iommufd, so on this node the devices that @dev_id fields name are the
 *   mock devices of the test interface.
 * - Dirty tracking (PVFIO_IFD_HWPT_ALLOC_DIRTY_TRACKING,
 *   HWPT_SET_DIRTY_TRACKING, HWPT_GET_DIRTY_BITMAP) of the mock page
 *   tables, whose IOPTEs PVFIO_IFD_TEST_OP_DIRTY marks as a device's write
 *   would.  No other page table exists on this node; one would answer
 *   EOPNOTSUPP, never bits pvfio cannot know.
 * - The test interface (PVFIO_IFD_TEST_CMD), only while the module is
 *   loaded with enable_test_ops=1.
 *
 * What pvfio answers with EOPNOTSUPP: everything that needs support inside
 * an IOMMU driver, which a module cannot add to a stock kernel: nesting
 * (HWPT_ALLOC with a data type or PVFIO_IFD_HWPT_ALLOC_NEST_PARENT,
 * HWPT_INVALIDATE), vIOMMU (VIOMMU_ALLOC), vDEVICE (VDEVICE_ALLOC),
 * vEVENTQ (VEVENTQ_ALLOC), fault queues (FAULT_QUEUE_ALLOC,
 * PVFIO_IFD_HWPT_FAULT_ID_VALID), PASID (PVFIO_IFD_HWPT_ALLOC_PASID), HW
 * queues (HW_QUEUE_ALLOC) and dma-buf (IOAS_MAP_FILE of a dma-buf).  These
 * commands still apply the size checks first: a short struct fails with
 * EINVAL and a non-zero tail with E2BIG, exactly as a supported command,
 * so programs that probe for them see iommufd's behaviour.
 *
 * Not provided: the VFIO type1 compatibility of iommufd (IOMMU_VFIO_IOAS,
 * and VFIO_* container ioctls on this node).  PVFIO_IFD_VFIO_IOAS and its
 * struct are defined only so that the layout is complete.
 *
 * Driver-specific payloads (Intel VT-d, ARM SMMUv3, NVIDIA Tegra241 CMDQV,
 * AMD: stage-1 tables, hardware info, invalidation entries, vEVENTs) are
 * not defined here: pvfio neither accepts nor returns them.  Their type
 * values are, because the generic structs carry them.
 */
#ifndef _UAPI_PVFIO_IOMMUFD_H
#define _UAPI_PVFIO_IOMMUFD_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define PVFIO_IFD_TYPE		(';')
#define PVFIO_IFD_CMD_BASE	0x80

enum {
	PVFIO_IFD_CMD_DESTROY = PVFIO_IFD_CMD_BASE,
	PVFIO_IFD_CMD_IOAS_ALLOC = 0x81,
	PVFIO_IFD_CMD_IOAS_ALLOW_IOVAS = 0x82,
	PVFIO_IFD_CMD_IOAS_COPY = 0x83,
	PVFIO_IFD_CMD_IOAS_IOVA_RANGES = 0x84,
	PVFIO_IFD_CMD_IOAS_MAP = 0x85,
	PVFIO_IFD_CMD_IOAS_UNMAP = 0x86,
	PVFIO_IFD_CMD_OPTION = 0x87,
	PVFIO_IFD_CMD_VFIO_IOAS = 0x88,
	PVFIO_IFD_CMD_HWPT_ALLOC = 0x89,
	PVFIO_IFD_CMD_GET_HW_INFO = 0x8a,
	PVFIO_IFD_CMD_HWPT_SET_DIRTY_TRACKING = 0x8b,
	PVFIO_IFD_CMD_HWPT_GET_DIRTY_BITMAP = 0x8c,
	PVFIO_IFD_CMD_HWPT_INVALIDATE = 0x8d,
	PVFIO_IFD_CMD_FAULT_QUEUE_ALLOC = 0x8e,
	PVFIO_IFD_CMD_IOAS_MAP_FILE = 0x8f,
	PVFIO_IFD_CMD_VIOMMU_ALLOC = 0x90,
	PVFIO_IFD_CMD_VDEVICE_ALLOC = 0x91,
	PVFIO_IFD_CMD_IOAS_CHANGE_PROCESS = 0x92,
	PVFIO_IFD_CMD_VEVENTQ_ALLOC = 0x93,
	PVFIO_IFD_CMD_HW_QUEUE_ALLOC = 0x94,
};

/**
 * struct pvfio_ifd_destroy - ioctl(PVFIO_IFD_DESTROY)
 * @size: sizeof(struct pvfio_ifd_destroy)
 * @id: ID of the object to destroy: an IOAS, a page table, or a mock device
 *      or access of the test interface
 *
 * Destroy an object of this file by its ID.
 *
 * Minimum size: up to @id.
 *
 * Errors: ENOENT no object with @id; EBUSY another object still depends on
 * it (a page table or device on an IOAS, a device on a page table).
 */
struct pvfio_ifd_destroy {
	__u32 size;
	__u32 id;
};
#define PVFIO_IFD_DESTROY _IO(PVFIO_IFD_TYPE, PVFIO_IFD_CMD_DESTROY)

/**
 * struct pvfio_ifd_ioas_alloc - ioctl(PVFIO_IFD_IOAS_ALLOC)
 * @size: sizeof(struct pvfio_ifd_ioas_alloc)
 * @flags: must be 0
 * @out_ioas_id: output, the ID of the new I/O address space
 *
 * Allocate an I/O address space (IOAS): an empty set of IOVA -> memory
 * mappings that page tables (and, in the test interface, mock devices and
 * accesses) can be attached to.  A new IOAS allows every IOVA.
 *
 * Minimum size: up to @out_ioas_id.
 *
 * Errors: EOPNOTSUPP non-zero @flags; ENOMEM.
 */
struct pvfio_ifd_ioas_alloc {
	__u32 size;
	__u32 flags;
	__u32 out_ioas_id;
};
#define PVFIO_IFD_IOAS_ALLOC _IO(PVFIO_IFD_TYPE, PVFIO_IFD_CMD_IOAS_ALLOC)

/**
 * struct pvfio_ifd_iova_range - one inclusive range of IOVA
 * @start: first IOVA
 * @last: last IOVA, inclusive
 *
 * The array element of IOAS_IOVA_RANGES and IOAS_ALLOW_IOVAS.
 */
struct pvfio_ifd_iova_range {
	__aligned_u64 start;
	__aligned_u64 last;
};

/**
 * struct pvfio_ifd_ioas_iova_ranges - ioctl(PVFIO_IFD_IOAS_IOVA_RANGES)
 * @size: sizeof(struct pvfio_ifd_ioas_iova_ranges)
 * @ioas_id: IOAS to query
 * @num_iovas: input: capacity of @allowed_iovas, in entries; output: the
 *             number of ranges the IOAS has
 * @__reserved: must be 0
 * @allowed_iovas: user pointer to an array of struct pvfio_ifd_iova_range
 * @out_iova_alignment: output, the alignment every IOVA and length given to
 *                      MAP and COPY must have: 1 (any) up to PAGE_SIZE
 *
 * Report the IOVA ranges where mappings may go, sorted and disjoint: what
 * the IOAS allows, minus the reserved regions and outside the apertures of
 * everything attached.  They can change whenever something is attached or
 * detached, so query again after each.
 *
 * If @num_iovas is smaller than the number of ranges, the array is filled
 * as far as it goes, @num_iovas is set to the total and the call fails with
 * EMSGSIZE; call again with a larger array.
 *
 * Minimum size: up to @out_iova_alignment.
 *
 * Errors: ENOENT @ioas_id is not an IOAS of this file; EOPNOTSUPP non-zero
 * @__reserved; EMSGSIZE the array is too small; EFAULT bad @allowed_iovas.
 */
struct pvfio_ifd_ioas_iova_ranges {
	__u32 size;
	__u32 ioas_id;
	__u32 num_iovas;
	__u32 __reserved;
	__aligned_u64 allowed_iovas;
	__aligned_u64 out_iova_alignment;
};
#define PVFIO_IFD_IOAS_IOVA_RANGES \
	_IO(PVFIO_IFD_TYPE, PVFIO_IFD_CMD_IOAS_IOVA_RANGES)

/**
 * struct pvfio_ifd_ioas_allow_iovas - ioctl(PVFIO_IFD_IOAS_ALLOW_IOVAS)
 * @size: sizeof(struct pvfio_ifd_ioas_allow_iovas)
 * @ioas_id: the IOAS
 * @num_iovas: entries in @allowed_iovas; 0 removes the list
 * @__reserved: must be 0
 * @allowed_iovas: user pointer to struct pvfio_ifd_iova_range[@num_iovas]
 *
 * Replace the IOAS's list of allowed ranges.  The ranges are promised:
 * IOAS_IOVA_RANGES never reports less than them, so an attach or a reserved
 * region that would take part of them away fails instead.  A kernel-chosen
 * IOVA is placed only inside them.
 *
 * Minimum size: up to @allowed_iovas.
 *
 * Errors: ENOENT no such IOAS; EOPNOTSUPP non-zero @__reserved; EINVAL a
 * range with @last < @start, or ranges that overlap; EADDRINUSE a range
 * covers IOVA that is reserved or outside an attached aperture now; EFAULT
 * bad pointer; ENOMEM.
 */
struct pvfio_ifd_ioas_allow_iovas {
	__u32 size;
	__u32 ioas_id;
	__u32 num_iovas;
	__u32 __reserved;
	__aligned_u64 allowed_iovas;
};
#define PVFIO_IFD_IOAS_ALLOW_IOVAS \
	_IO(PVFIO_IFD_TYPE, PVFIO_IFD_CMD_IOAS_ALLOW_IOVAS)

/**
 * enum pvfio_ifd_ioas_map_flags - flags of MAP, MAP_FILE and COPY
 * @PVFIO_IFD_IOAS_MAP_FIXED_IOVA: map at the IOVA given; without it the
 *                                 kernel picks one inside the allowed ranges
 *                                 and returns it
 * @PVFIO_IFD_IOAS_MAP_WRITEABLE: devices may write the memory
 * @PVFIO_IFD_IOAS_MAP_READABLE: devices may read the memory
 */
enum pvfio_ifd_ioas_map_flags {
	PVFIO_IFD_IOAS_MAP_FIXED_IOVA = 1 << 0,
	PVFIO_IFD_IOAS_MAP_WRITEABLE = 1 << 1,
	PVFIO_IFD_IOAS_MAP_READABLE = 1 << 2,
};

/**
 * struct pvfio_ifd_ioas_map - ioctl(PVFIO_IFD_IOAS_MAP)
 * @size: sizeof(struct pvfio_ifd_ioas_map)
 * @flags: enum pvfio_ifd_ioas_map_flags
 * @ioas_id: the IOAS
 * @__reserved: must be 0
 * @user_va: start of the caller's memory
 * @length: bytes to map, non-zero
 * @iova: input with FIXED_IOVA, output otherwise
 *
 * Map the caller's memory at @iova.  With FIXED_IOVA the range must be
 * free: an existing mapping is never replaced.  Pages are pinned only when
 * something needs them: an attached page table pins the whole mapping, an
 * access only the pages it asks for; an IOAS with nothing attached pins
 * nothing.  Pinned pages are charged to the mapping process's user (or its
 * mm, see PVFIO_IFD_OPTION_RLIMIT_MODE) against RLIMIT_MEMLOCK.
 *
 * If @iova cannot be written back (EFAULT) the mapping stays: unmap it.
 *
 * Minimum size: up to @iova.
 *
 * Errors: ENOENT no such IOAS; EOPNOTSUPP unknown flag or non-zero
 * @__reserved; EINVAL zero @length, an IOVA or length not aligned to the
 * IOVA alignment, or a fixed range that is reserved or not allowed;
 * EEXIST a fixed range overlaps a mapping; ENOSPC no free range is large
 * enough; EOVERFLOW @user_va or @iova plus @length overflows; ENOMEM over
 * RLIMIT_MEMLOCK; EFAULT the memory is not mapped, or is read-only and
 * WRITEABLE was asked, when pages are pinned at once.
 */
struct pvfio_ifd_ioas_map {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 __reserved;
	__aligned_u64 user_va;
	__aligned_u64 length;
	__aligned_u64 iova;
};
#define PVFIO_IFD_IOAS_MAP _IO(PVFIO_IFD_TYPE, PVFIO_IFD_CMD_IOAS_MAP)

/**
 * struct pvfio_ifd_ioas_map_file - ioctl(PVFIO_IFD_IOAS_MAP_FILE)
 * @size: sizeof(struct pvfio_ifd_ioas_map_file)
 * @flags: enum pvfio_ifd_ioas_map_flags
 * @ioas_id: the IOAS
 * @fd: the file: a memfd, or a shmem or hugetlbfs file
 * @start: offset in the file
 * @length: bytes to map, non-zero
 * @iova: input with FIXED_IOVA, output otherwise
 *
 * MAP a range of a file instead of the caller's memory: the file (of which
 * a reference is kept) provides the pages whenever they need pinning.  The
 * charge goes to the caller, as for MAP.  dma-buf files, which iommufd may
 * accept here, are refused: pvfio has no dma-buf import.
 *
 * Minimum size: up to @iova.
 *
 * Errors: as for MAP, plus EBADF @fd is not open; EINVAL @fd is not a
 * memfd, shmem or hugetlbfs file (a dma-buf included); EACCES WRITEABLE on
 * a file not open for writing; EFAULT the range ends past the end of the
 * file.
 */
struct pvfio_ifd_ioas_map_file {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__s32 fd;
	__aligned_u64 start;
	__aligned_u64 length;
	__aligned_u64 iova;
};
#define PVFIO_IFD_IOAS_MAP_FILE _IO(PVFIO_IFD_TYPE, PVFIO_IFD_CMD_IOAS_MAP_FILE)

/**
 * struct pvfio_ifd_ioas_copy - ioctl(PVFIO_IFD_IOAS_COPY)
 * @size: sizeof(struct pvfio_ifd_ioas_copy)
 * @flags: enum pvfio_ifd_ioas_map_flags for the new mapping
 * @dst_ioas_id: IOAS to map into
 * @src_ioas_id: IOAS to take the memory from
 * @length: bytes to copy
 * @dst_iova: input with FIXED_IOVA, output otherwise
 * @src_iova: start of the source range
 *
 * Map in @dst_ioas_id the memory that [@src_iova, @src_iova + @length) of
 * @src_ioas_id maps.  The source range must be mapped without a hole.  The
 * two mappings share their pages (a page both use is pinned and charged
 * once); either can be unmapped without affecting the other.
 *
 * Minimum size: up to @src_iova.
 *
 * Errors: as for MAP, plus ENOENT no such source IOAS or a hole in the
 * source range; EPERM WRITEABLE asked for memory that is mapped read-only
 * in the source.
 */
struct pvfio_ifd_ioas_copy {
	__u32 size;
	__u32 flags;
	__u32 dst_ioas_id;
	__u32 src_ioas_id;
	__aligned_u64 length;
	__aligned_u64 dst_iova;
	__aligned_u64 src_iova;
};
#define PVFIO_IFD_IOAS_COPY _IO(PVFIO_IFD_TYPE, PVFIO_IFD_CMD_IOAS_COPY)

/**
 * struct pvfio_ifd_ioas_unmap - ioctl(PVFIO_IFD_IOAS_UNMAP)
 * @size: sizeof(struct pvfio_ifd_ioas_unmap)
 * @ioas_id: the IOAS
 * @iova: start of the range
 * @length: input: bytes in the range; output: bytes unmapped
 *
 * Remove every mapping inside [@iova, @iova + @length).  Only whole
 * mappings go: a range that cuts through one fails and changes nothing.
 * @iova 0 with @length U64_MAX removes everything (and succeeds on an empty
 * IOAS).  Page tables are unmapped and flushed before pages are unpinned.
 *
 * Minimum size: up to @length.
 *
 * Errors: ENOENT no such IOAS, nothing mapped in the range, or a mapping
 * crossing either end of it; EINVAL zero @length; EOVERFLOW @iova plus
 * @length overflows; EBUSY an access of the test interface would not give
 * up its pins in the range.
 */
struct pvfio_ifd_ioas_unmap {
	__u32 size;
	__u32 ioas_id;
	__aligned_u64 iova;
	__aligned_u64 length;
};
#define PVFIO_IFD_IOAS_UNMAP _IO(PVFIO_IFD_TYPE, PVFIO_IFD_CMD_IOAS_UNMAP)

/**
 * enum pvfio_ifd_option_id - what PVFIO_IFD_OPTION sets or reads
 * @PVFIO_IFD_OPTION_RLIMIT_MODE: of the file (@object_id 0): how pinned
 *                                pages are charged against RLIMIT_MEMLOCK.
 *                                0 (default): to the mapping process's
 *                                user; 1: to its mm.  Setting needs
 *                                CAP_SYS_RESOURCE, and a file with no
 *                                object yet.
 * @PVFIO_IFD_OPTION_HUGE_PAGES: of an IOAS (@object_id): 1 (default) maps
 *                               each physically contiguous run in one go,
 *                               so the IOMMU can use large page-table
 *                               entries; 0 maps page by page.
 */
enum pvfio_ifd_option_id {
	PVFIO_IFD_OPTION_RLIMIT_MODE = 0,
	PVFIO_IFD_OPTION_HUGE_PAGES = 1,
};

/**
 * enum pvfio_ifd_option_ops - direction of PVFIO_IFD_OPTION
 * @PVFIO_IFD_OPTION_OP_SET: set the option to @val64
 * @PVFIO_IFD_OPTION_OP_GET: read the option into @val64
 */
enum pvfio_ifd_option_ops {
	PVFIO_IFD_OPTION_OP_SET = 0,
	PVFIO_IFD_OPTION_OP_GET = 1,
};

/**
 * struct pvfio_ifd_option - ioctl(PVFIO_IFD_OPTION)
 * @size: sizeof(struct pvfio_ifd_option)
 * @option_id: enum pvfio_ifd_option_id
 * @op: enum pvfio_ifd_option_ops
 * @__reserved: must be 0
 * @object_id: the object the option belongs to, 0 for the file's own
 * @val64: the value to set, or the value read
 *
 * Minimum size: up to @val64.
 *
 * Errors: EOPNOTSUPP unknown @option_id or @op, non-zero @__reserved, or
 * a non-zero @object_id for RLIMIT_MODE; EINVAL a value the option does not
 * take (above 1); ENOENT @object_id is not an IOAS of this file; EPERM
 * setting RLIMIT_MODE without CAP_SYS_RESOURCE; EBUSY setting RLIMIT_MODE
 * on a file that has any object already; EADDRINUSE HUGE_PAGES cannot be
 * changed while the IOAS's current mappings or attachments forbid it.
 */
struct pvfio_ifd_option {
	__u32 size;
	__u32 option_id;
	__u16 op;
	__u16 __reserved;
	__u32 object_id;
	__aligned_u64 val64;
};
#define PVFIO_IFD_OPTION _IO(PVFIO_IFD_TYPE, PVFIO_IFD_CMD_OPTION)

/**
 * enum pvfio_ifd_vfio_ioas_op - op of PVFIO_IFD_VFIO_IOAS
 * @PVFIO_IFD_VFIO_IOAS_GET: read the IOAS VFIO compatibility uses
 * @PVFIO_IFD_VFIO_IOAS_SET: choose the IOAS VFIO compatibility uses
 * @PVFIO_IFD_VFIO_IOAS_CLEAR: turn VFIO compatibility off
 */
enum pvfio_ifd_vfio_ioas_op {
	PVFIO_IFD_VFIO_IOAS_GET = 0,
	PVFIO_IFD_VFIO_IOAS_SET = 1,
	PVFIO_IFD_VFIO_IOAS_CLEAR = 2,
};

/**
 * struct pvfio_ifd_vfio_ioas - ioctl(PVFIO_IFD_VFIO_IOAS)
 * @size: sizeof(struct pvfio_ifd_vfio_ioas)
 * @ioas_id: SET: input, the IOAS; GET: output, the IOAS
 * @op: enum pvfio_ifd_vfio_ioas_op
 * @__reserved: must be 0
 *
 * In iommufd, selects the IOAS that the VFIO type1 container ioctls issued
 * on the same file work on.  pvfio does not provide VFIO type1
 * compatibility; the layout is here for completeness.
 *
 * Minimum size: up to @__reserved.
 *
 * Errors: the command is not provided.
 */
struct pvfio_ifd_vfio_ioas {
	__u32 size;
	__u32 ioas_id;
	__u16 op;
	__u16 __reserved;
};
#define PVFIO_IFD_VFIO_IOAS _IO(PVFIO_IFD_TYPE, PVFIO_IFD_CMD_VFIO_IOAS)

/**
 * enum pvfio_ifd_hwpt_alloc_flags - flags of HWPT_ALLOC
 * @PVFIO_IFD_HWPT_ALLOC_NEST_PARENT: the page table will be the parent of
 *                                    nested ones (EOPNOTSUPP in pvfio)
 * @PVFIO_IFD_HWPT_ALLOC_DIRTY_TRACKING: the IOMMU must track dirty pages for
 *                                       devices attached to it (EOPNOTSUPP
 *                                       for a device without
 *                                       PVFIO_IFD_HW_CAP_DIRTY_TRACKING)
 * @PVFIO_IFD_HWPT_FAULT_ID_VALID: @fault_id names a fault queue (EOPNOTSUPP
 *                                 in pvfio)
 * @PVFIO_IFD_HWPT_ALLOC_PASID: the page table may be attached to PASIDs of
 *                              the device (EOPNOTSUPP in pvfio)
 */
enum pvfio_ifd_hwpt_alloc_flags {
	PVFIO_IFD_HWPT_ALLOC_NEST_PARENT = 1 << 0,
	PVFIO_IFD_HWPT_ALLOC_DIRTY_TRACKING = 1 << 1,
	PVFIO_IFD_HWPT_FAULT_ID_VALID = 1 << 2,
	PVFIO_IFD_HWPT_ALLOC_PASID = 1 << 3,
};

/**
 * enum pvfio_ifd_hwpt_data_type - format of HWPT_ALLOC's driver data
 * @PVFIO_IFD_HWPT_DATA_NONE: no data: a page table the kernel fills from
 *                            an IOAS (the only type pvfio supports)
 * @PVFIO_IFD_HWPT_DATA_VTD_S1: Intel VT-d stage-1 table (nested)
 * @PVFIO_IFD_HWPT_DATA_ARM_SMMUV3: ARM SMMUv3 stream table entry (nested)
 * @PVFIO_IFD_HWPT_DATA_AMD_GUEST: AMD IOMMU guest table (nested)
 */
enum pvfio_ifd_hwpt_data_type {
	PVFIO_IFD_HWPT_DATA_NONE = 0,
	PVFIO_IFD_HWPT_DATA_VTD_S1 = 1,
	PVFIO_IFD_HWPT_DATA_ARM_SMMUV3 = 2,
	PVFIO_IFD_HWPT_DATA_AMD_GUEST = 3,
};

/**
 * struct pvfio_ifd_hwpt_alloc - ioctl(PVFIO_IFD_HWPT_ALLOC)
 * @size: sizeof(struct pvfio_ifd_hwpt_alloc)
 * @flags: enum pvfio_ifd_hwpt_alloc_flags
 * @dev_id: the device the page table is made for
 * @pt_id: the IOAS whose mappings the page table holds (a parent page table
 *         or a vIOMMU for a nested one)
 * @out_hwpt_id: output, the ID of the new page table
 * @__reserved: must be 0
 * @data_type: enum pvfio_ifd_hwpt_data_type
 * @data_len: bytes at @data_uptr; 0 with PVFIO_IFD_HWPT_DATA_NONE
 * @data_uptr: user pointer to driver data; 0 with PVFIO_IFD_HWPT_DATA_NONE
 * @fault_id: a fault queue, read only with PVFIO_IFD_HWPT_FAULT_ID_VALID
 * @__reserved2: must be 0
 *
 * Allocate a hardware page table (an IOMMU domain of @dev_id's IOMMU) that
 * the kernel keeps filled with the mappings of the IOAS @pt_id.  The page
 * table is not attached to anything yet, but it holds the IOAS's mappings
 * at once: while it exists they are pinned.  pvfio makes only kernel-managed page tables: a
 * nested one (a @data_type other than NONE, or @pt_id naming a page table
 * or vIOMMU) fails with EOPNOTSUPP.
 *
 * Minimum size: up to @__reserved; the fields after it read as 0 when
 * @size does not cover them.
 *
 * Errors: ENOENT @dev_id is not a device or @pt_id not an IOAS of this
 * file; EOPNOTSUPP an unsupported flag or @data_type, nesting, or non-zero
 * reserved fields, DIRTY_TRACKING for a device that cannot track; EINVAL
 * @data_len or @data_uptr non-zero with PVFIO_IFD_HWPT_DATA_NONE;
 * EADDRINUSE the IOAS maps outside what the page table can translate;
 * ENOMEM including over RLIMIT_MEMLOCK; EFAULT the IOAS maps memory that
 * is gone.
 */
struct pvfio_ifd_hwpt_alloc {
	__u32 size;
	__u32 flags;
	__u32 dev_id;
	__u32 pt_id;
	__u32 out_hwpt_id;
	__u32 __reserved;
	__u32 data_type;
	__u32 data_len;
	__aligned_u64 data_uptr;
	__u32 fault_id;
	__u32 __reserved2;
};
#define PVFIO_IFD_HWPT_ALLOC _IO(PVFIO_IFD_TYPE, PVFIO_IFD_CMD_HWPT_ALLOC)

/**
 * enum pvfio_ifd_hw_info_type - format of GET_HW_INFO's driver data
 * @PVFIO_IFD_HW_INFO_TYPE_NONE: output: the IOMMU reports no data
 * @PVFIO_IFD_HW_INFO_TYPE_DEFAULT: input: whatever type the IOMMU has (the
 *                                  same value as NONE)
 * @PVFIO_IFD_HW_INFO_TYPE_INTEL_VTD: Intel VT-d registers
 * @PVFIO_IFD_HW_INFO_TYPE_ARM_SMMUV3: ARM SMMUv3 registers
 * @PVFIO_IFD_HW_INFO_TYPE_TEGRA241_CMDQV: NVIDIA Tegra241 CMDQV parameters
 * @PVFIO_IFD_HW_INFO_TYPE_AMD: AMD IOMMU feature registers
 */
enum pvfio_ifd_hw_info_type {
	PVFIO_IFD_HW_INFO_TYPE_NONE = 0,
	PVFIO_IFD_HW_INFO_TYPE_DEFAULT = 0,
	PVFIO_IFD_HW_INFO_TYPE_INTEL_VTD = 1,
	PVFIO_IFD_HW_INFO_TYPE_ARM_SMMUV3 = 2,
	PVFIO_IFD_HW_INFO_TYPE_TEGRA241_CMDQV = 3,
	PVFIO_IFD_HW_INFO_TYPE_AMD = 4,
};

/**
 * enum pvfio_ifd_hw_capabilities - bits of @out_capabilities
 * @PVFIO_IFD_HW_CAP_DIRTY_TRACKING: the IOMMU can track dirty pages, so
 *                                   SET_DIRTY_TRACKING and GET_DIRTY_BITMAP
 *                                   work on a page table allocated with
 *                                   PVFIO_IFD_HWPT_ALLOC_DIRTY_TRACKING
 *                                   (set for mock devices not created
 *                                   with PVFIO_IFD_MOCK_FLAGS_DEVICE_NO_DIRTY)
 * @PVFIO_IFD_HW_CAP_PCI_PASID_EXEC: the device's PASIDs may request execute
 *                                   permission (meaningless when
 *                                   @out_max_pasid_log2 is 0)
 * @PVFIO_IFD_HW_CAP_PCI_PASID_PRIV: the device's PASIDs may request
 *                                   privileged mode (likewise)
 * @PVFIO_IFD_HW_CAP_PCI_ATS_NOT_SUPPORTED: the device cannot use ATS; when
 *                                          clear, it may
 */
enum pvfio_ifd_hw_capabilities {
	PVFIO_IFD_HW_CAP_DIRTY_TRACKING = 1 << 0,
	PVFIO_IFD_HW_CAP_PCI_PASID_EXEC = 1 << 1,
	PVFIO_IFD_HW_CAP_PCI_PASID_PRIV = 1 << 2,
	PVFIO_IFD_HW_CAP_PCI_ATS_NOT_SUPPORTED = 1 << 3,
};

/**
 * enum pvfio_ifd_hw_info_flags - flags of GET_HW_INFO
 * @PVFIO_IFD_HW_INFO_FLAG_INPUT_TYPE: @in_data_type asks for one type of
 *                                     data; without it the field is ignored
 *                                     on input
 */
enum pvfio_ifd_hw_info_flags {
	PVFIO_IFD_HW_INFO_FLAG_INPUT_TYPE = 1 << 0,
};

/**
 * struct pvfio_ifd_hw_info - ioctl(PVFIO_IFD_GET_HW_INFO)
 * @size: sizeof(struct pvfio_ifd_hw_info)
 * @flags: enum pvfio_ifd_hw_info_flags
 * @dev_id: the device whose IOMMU is asked
 * @data_len: input: bytes at @data_uptr (0 is allowed); output: bytes of
 *            data the IOMMU has
 * @data_uptr: user buffer for the driver data; the part of it past the data
 *             is zeroed
 * @in_data_type: input, with PVFIO_IFD_HW_INFO_FLAG_INPUT_TYPE: the enum
 *                pvfio_ifd_hw_info_type wanted
 * @out_data_type: output: the enum pvfio_ifd_hw_info_type of the data
 *                 written (the same field as @in_data_type)
 * @out_max_pasid_log2: output: PASID width of the device, 0 without PASID
 *                      (always 0 in pvfio)
 * @__reserved: must be 0
 * @out_capabilities: output: enum pvfio_ifd_hw_capabilities
 *
 * Describe the IOMMU behind a device.  The only devices on this node are
 * the mock devices of the test interface, which report
 * PVFIO_IFD_HW_INFO_TYPE_SELFTEST with a struct pvfio_ifd_test_hw_info;
 * pvfio passes no driver registers of a real IOMMU through.
 *
 * Minimum size: up to @__reserved; @out_capabilities is written only when
 * @size covers it.
 *
 * Errors: ENOENT @dev_id is not a device of this file; EOPNOTSUPP unknown
 * flag, non-zero @__reserved, or an @in_data_type the IOMMU does not have;
 * EFAULT bad @data_uptr.
 */
struct pvfio_ifd_hw_info {
	__u32 size;
	__u32 flags;
	__u32 dev_id;
	__u32 data_len;
	__aligned_u64 data_uptr;
	union {
		__u32 in_data_type;
		__u32 out_data_type;
	};
	__u8 out_max_pasid_log2;
	__u8 __reserved[3];
	__aligned_u64 out_capabilities;
};
#define PVFIO_IFD_GET_HW_INFO _IO(PVFIO_IFD_TYPE, PVFIO_IFD_CMD_GET_HW_INFO)

/**
 * enum pvfio_ifd_hwpt_set_dirty_tracking_flags - flags of SET_DIRTY_TRACKING
 * @PVFIO_IFD_HWPT_DIRTY_TRACKING_ENABLE: start tracking; clear: stop
 */
enum pvfio_ifd_hwpt_set_dirty_tracking_flags {
	PVFIO_IFD_HWPT_DIRTY_TRACKING_ENABLE = 1,
};

/**
 * struct pvfio_ifd_hwpt_set_dirty_tracking - ioctl(PVFIO_IFD_HWPT_SET_DIRTY_TRACKING)
 * @size: sizeof(struct pvfio_ifd_hwpt_set_dirty_tracking)
 * @flags: enum pvfio_ifd_hwpt_set_dirty_tracking_flags
 * @hwpt_id: the page table
 * @__reserved: should be 0 (iommufd does not check it; nor does pvfio)
 *
 * Start or stop recording which IOVA devices write through the page table.
 * Starting clears the dirty bits of every IOPTE first, also when tracking
 * was on already, so that the first GET_DIRTY_BITMAP reports only what was
 * written since.  Stopping keeps the IOPTEs' dirty bits but no reads.
 *
 * Minimum size: up to @__reserved.
 *
 * Errors: EOPNOTSUPP an unknown flag, or a page table allocated without
 * PVFIO_IFD_HWPT_ALLOC_DIRTY_TRACKING; ENOENT @hwpt_id is not a page table
 * of this file.
 */
struct pvfio_ifd_hwpt_set_dirty_tracking {
	__u32 size;
	__u32 flags;
	__u32 hwpt_id;
	__u32 __reserved;
};
#define PVFIO_IFD_HWPT_SET_DIRTY_TRACKING \
	_IO(PVFIO_IFD_TYPE, PVFIO_IFD_CMD_HWPT_SET_DIRTY_TRACKING)

/**
 * enum pvfio_ifd_hwpt_get_dirty_bitmap_flags - flags of GET_DIRTY_BITMAP
 * @PVFIO_IFD_HWPT_GET_DIRTY_BITMAP_NO_CLEAR: report without clearing the
 *                                           dirty state (for a read that an
 *                                           unmap of the range follows)
 */
enum pvfio_ifd_hwpt_get_dirty_bitmap_flags {
	PVFIO_IFD_HWPT_GET_DIRTY_BITMAP_NO_CLEAR = 1,
};

/**
 * struct pvfio_ifd_hwpt_get_dirty_bitmap - ioctl(PVFIO_IFD_HWPT_GET_DIRTY_BITMAP)
 * @size: sizeof(struct pvfio_ifd_hwpt_get_dirty_bitmap)
 * @hwpt_id: the page table
 * @flags: enum pvfio_ifd_hwpt_get_dirty_bitmap_flags
 * @__reserved: must be 0
 * @iova: first IOVA the bitmap covers
 * @length: bytes of IOVA the bitmap covers
 * @page_size: bytes of IOVA one bit stands for
 * @data: user pointer to the bitmap, in 64-bit words: the page at IOVA x is
 *        bit ((x - @iova) / @page_size) % 64 of word
 *        ((x - @iova) / @page_size) / 64
 *
 * Set the bits of the pages written since the last read (and, unless
 * NO_CLEAR, start over).  Bits are only ever set: the caller zeroes the
 * bitmap.  A dirty IOPTE sets the bits of its whole range (a huge one many;
 * an IO page larger than @page_size several), clipped to the bitmap's.
 * pvfio reads the bitmap a page of bits at a time and needs no memory in
 * proportion to @length.
 *
 * Minimum size: up to @data.
 *
 * Errors: EOPNOTSUPP an unknown flag, non-zero @__reserved, or a page
 * table allocated without PVFIO_IFD_HWPT_ALLOC_DIRTY_TRACKING; ENOENT
 * @hwpt_id is not a page table of this file; EOVERFLOW @iova + @length
 * passes the end of the address space, or the bitmap would; EINVAL @iova
 * or @iova + @length not aligned to the IOAS's IOVA alignment or to
 * @page_size, @page_size 0 or not a power of two, @length 0, tracking is
 * off (iommufd's mock fails this too, but iommufd returns 0 without bits);
 * EFAULT the bitmap cannot be written (iommufd drops the bits silently;
 * pvfio pins each page of the bitmap before it clears what goes there, so
 * nothing is cleared that does not arrive); EINTR a fatal signal;
 * ENOMEM.
 */
struct pvfio_ifd_hwpt_get_dirty_bitmap {
	__u32 size;
	__u32 hwpt_id;
	__u32 flags;
	__u32 __reserved;
	__aligned_u64 iova;
	__aligned_u64 length;
	__aligned_u64 page_size;
	__aligned_u64 data;
};
#define PVFIO_IFD_HWPT_GET_DIRTY_BITMAP \
	_IO(PVFIO_IFD_TYPE, PVFIO_IFD_CMD_HWPT_GET_DIRTY_BITMAP)

/**
 * enum pvfio_ifd_hwpt_invalidate_data_type - format of HWPT_INVALIDATE's
 *                                            entries
 * @PVFIO_IFD_HWPT_INVALIDATE_DATA_VTD_S1: Intel VT-d stage-1 entries
 * @PVFIO_IFD_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3: ARM SMMUv3 commands, for a
 *                                              vIOMMU
 */
enum pvfio_ifd_hwpt_invalidate_data_type {
	PVFIO_IFD_HWPT_INVALIDATE_DATA_VTD_S1 = 0,
	PVFIO_IFD_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3 = 1,
};

/**
 * struct pvfio_ifd_hwpt_invalidate - ioctl(PVFIO_IFD_HWPT_INVALIDATE)
 * @size: sizeof(struct pvfio_ifd_hwpt_invalidate)
 * @hwpt_id: a nested page table or a vIOMMU
 * @data_uptr: user pointer to an array of driver invalidation entries
 * @data_type: enum pvfio_ifd_hwpt_invalidate_data_type of every entry
 * @entry_len: bytes of one entry
 * @entry_num: input: entries in the array; output: entries handled
 * @__reserved: must be 0
 *
 * Flush the IOMMU's caches of a page table that userspace (a guest)
 * manages.  pvfio has no nested page tables.
 *
 * Minimum size: up to @__reserved.
 *
 * Errors: EOPNOTSUPP (nesting needs IOMMU-driver support), after the size
 * checks.
 */
struct pvfio_ifd_hwpt_invalidate {
	__u32 size;
	__u32 hwpt_id;
	__aligned_u64 data_uptr;
	__u32 data_type;
	__u32 entry_len;
	__u32 entry_num;
	__u32 __reserved;
};
#define PVFIO_IFD_HWPT_INVALIDATE \
	_IO(PVFIO_IFD_TYPE, PVFIO_IFD_CMD_HWPT_INVALIDATE)

/**
 * enum pvfio_ifd_hwpt_pgfault_flags - @flags of struct pvfio_ifd_hwpt_pgfault
 * @PVFIO_IFD_PGFAULT_FLAGS_PASID_VALID: @pasid holds the request's PASID
 * @PVFIO_IFD_PGFAULT_FLAGS_LAST_PAGE: the last fault of its group
 */
enum pvfio_ifd_hwpt_pgfault_flags {
	PVFIO_IFD_PGFAULT_FLAGS_PASID_VALID = (1 << 0),
	PVFIO_IFD_PGFAULT_FLAGS_LAST_PAGE = (1 << 1),
};

/**
 * enum pvfio_ifd_hwpt_pgfault_perm - @perm of struct pvfio_ifd_hwpt_pgfault
 * @PVFIO_IFD_PGFAULT_PERM_READ: the device asks to read
 * @PVFIO_IFD_PGFAULT_PERM_WRITE: the device asks to write
 * @PVFIO_IFD_PGFAULT_PERM_EXEC: the PASID request asks for execute
 * @PVFIO_IFD_PGFAULT_PERM_PRIV: the PASID request asks for privileged mode
 */
enum pvfio_ifd_hwpt_pgfault_perm {
	PVFIO_IFD_PGFAULT_PERM_READ = (1 << 0),
	PVFIO_IFD_PGFAULT_PERM_WRITE = (1 << 1),
	PVFIO_IFD_PGFAULT_PERM_EXEC = (1 << 2),
	PVFIO_IFD_PGFAULT_PERM_PRIV = (1 << 3),
};

/**
 * struct pvfio_ifd_hwpt_pgfault - a page fault read from a fault queue fd
 * @flags: enum pvfio_ifd_hwpt_pgfault_flags
 * @dev_id: the device that faulted
 * @pasid: its PASID, with PVFIO_IFD_PGFAULT_FLAGS_PASID_VALID
 * @grpid: page request group index
 * @perm: enum pvfio_ifd_hwpt_pgfault_perm
 * @__reserved: 0
 * @addr: faulting address
 * @length: bytes the device expects to access from @addr, 0 if it gave no
 *          hint
 * @cookie: to echo in the struct pvfio_ifd_hwpt_page_response answering
 *          the last fault of the group
 *
 * pvfio makes no fault queues; the layout is here for completeness.
 */
struct pvfio_ifd_hwpt_pgfault {
	__u32 flags;
	__u32 dev_id;
	__u32 pasid;
	__u32 grpid;
	__u32 perm;
	__u32 __reserved;
	__aligned_u64 addr;
	__u32 length;
	__u32 cookie;
};

/**
 * enum pvfio_ifd_page_response_code - @code of a page response
 * @PVFIO_IFD_PAGE_RESP_SUCCESS: the fault was handled; the device retries
 * @PVFIO_IFD_PAGE_RESP_INVALID: the fault cannot be handled; no retry
 */
enum pvfio_ifd_page_response_code {
	PVFIO_IFD_PAGE_RESP_SUCCESS = 0,
	PVFIO_IFD_PAGE_RESP_INVALID = 1,
};

/**
 * struct pvfio_ifd_hwpt_page_response - written to a fault queue fd
 * @cookie: @cookie of the fault answered
 * @code: enum pvfio_ifd_page_response_code
 */
struct pvfio_ifd_hwpt_page_response {
	__u32 cookie;
	__u32 code;
};

/**
 * struct pvfio_ifd_fault_alloc - ioctl(PVFIO_IFD_FAULT_QUEUE_ALLOC)
 * @size: sizeof(struct pvfio_ifd_fault_alloc)
 * @flags: must be 0
 * @out_fault_id: output, the ID of the new fault queue
 * @out_fault_fd: output, its file descriptor
 *
 * Create a queue that reports I/O page faults of page tables allocated with
 * PVFIO_IFD_HWPT_FAULT_ID_VALID.
 *
 * Minimum size: up to @out_fault_fd.
 *
 * Errors: EOPNOTSUPP (fault reporting needs IOMMU-driver support), after
 * the size checks.
 */
struct pvfio_ifd_fault_alloc {
	__u32 size;
	__u32 flags;
	__u32 out_fault_id;
	__u32 out_fault_fd;
};
#define PVFIO_IFD_FAULT_QUEUE_ALLOC \
	_IO(PVFIO_IFD_TYPE, PVFIO_IFD_CMD_FAULT_QUEUE_ALLOC)

/**
 * enum pvfio_ifd_viommu_type - @type of VIOMMU_ALLOC
 * @PVFIO_IFD_VIOMMU_TYPE_DEFAULT: no type (reserved)
 * @PVFIO_IFD_VIOMMU_TYPE_ARM_SMMUV3: ARM SMMUv3
 * @PVFIO_IFD_VIOMMU_TYPE_TEGRA241_CMDQV: ARM SMMUv3 with NVIDIA Tegra241
 *                                        CMDQV
 */
enum pvfio_ifd_viommu_type {
	PVFIO_IFD_VIOMMU_TYPE_DEFAULT = 0,
	PVFIO_IFD_VIOMMU_TYPE_ARM_SMMUV3 = 1,
	PVFIO_IFD_VIOMMU_TYPE_TEGRA241_CMDQV = 2,
};

/**
 * struct pvfio_ifd_viommu_alloc - ioctl(PVFIO_IFD_VIOMMU_ALLOC)
 * @size: sizeof(struct pvfio_ifd_viommu_alloc)
 * @flags: must be 0
 * @type: enum pvfio_ifd_viommu_type
 * @dev_id: a device behind the physical IOMMU to virtualize
 * @hwpt_id: a nesting-parent page table
 * @out_viommu_id: output, the ID of the new vIOMMU
 * @data_len: bytes at @data_uptr
 * @__reserved: must be 0
 * @data_uptr: user pointer to driver data of @type
 *
 * Create a virtual IOMMU: the share of a physical IOMMU's virtualization
 * features that one VM owns.
 *
 * Minimum size: up to @out_viommu_id.
 *
 * Errors: EOPNOTSUPP (vIOMMUs need IOMMU-driver support), after the size
 * checks.
 */
struct pvfio_ifd_viommu_alloc {
	__u32 size;
	__u32 flags;
	__u32 type;
	__u32 dev_id;
	__u32 hwpt_id;
	__u32 out_viommu_id;
	__u32 data_len;
	__u32 __reserved;
	__aligned_u64 data_uptr;
};
#define PVFIO_IFD_VIOMMU_ALLOC _IO(PVFIO_IFD_TYPE, PVFIO_IFD_CMD_VIOMMU_ALLOC)

/**
 * struct pvfio_ifd_vdevice_alloc - ioctl(PVFIO_IFD_VDEVICE_ALLOC)
 * @size: sizeof(struct pvfio_ifd_vdevice_alloc)
 * @viommu_id: the vIOMMU
 * @dev_id: the physical device
 * @out_vdevice_id: output, the ID of the new vDEVICE
 * @virt_id: the device's ID as the guest's IOMMU sees it
 *
 * Create the vIOMMU's view of a device.
 *
 * Minimum size: up to @virt_id.
 *
 * Errors: EOPNOTSUPP (vIOMMUs need IOMMU-driver support), after the size
 * checks.
 */
struct pvfio_ifd_vdevice_alloc {
	__u32 size;
	__u32 viommu_id;
	__u32 dev_id;
	__u32 out_vdevice_id;
	__aligned_u64 virt_id;
};
#define PVFIO_IFD_VDEVICE_ALLOC _IO(PVFIO_IFD_TYPE, PVFIO_IFD_CMD_VDEVICE_ALLOC)

/**
 * struct pvfio_ifd_ioas_change_process - ioctl(PVFIO_IFD_IOAS_CHANGE_PROCESS)
 * @size: sizeof(struct pvfio_ifd_ioas_change_process)
 * @__reserved: must be 0
 *
 * Move the charge of the pinned pages of every mapping of every IOAS of
 * this file to the calling process (for a live update that hands the file
 * to a new process).  Every mapping must come from IOAS_MAP_FILE.  On
 * failure nothing has moved.
 *
 * Minimum size: up to @__reserved.
 *
 * Errors: EOPNOTSUPP non-zero @__reserved; EINVAL a mapping made by
 * IOAS_MAP or IOAS_COPY of one; ENOMEM the caller's RLIMIT_MEMLOCK cannot
 * take the charge.
 */
struct pvfio_ifd_ioas_change_process {
	__u32 size;
	__u32 __reserved;
};
#define PVFIO_IFD_IOAS_CHANGE_PROCESS \
	_IO(PVFIO_IFD_TYPE, PVFIO_IFD_CMD_IOAS_CHANGE_PROCESS)

/**
 * enum pvfio_ifd_veventq_flag - @flags of struct pvfio_ifd_vevent_header
 * @PVFIO_IFD_VEVENTQ_FLAG_LOST_EVENTS: events were lost at the end of the
 *                                      queue; no data follows this header
 */
enum pvfio_ifd_veventq_flag {
	PVFIO_IFD_VEVENTQ_FLAG_LOST_EVENTS = (1U << 0),
};

/**
 * struct pvfio_ifd_vevent_header - header of each event read from a vEVENTQ
 * @flags: enum pvfio_ifd_veventq_flag
 * @sequence: index of the event, 0 to INT_MAX and then 0 again; a gap
 *            between two headers counts lost events
 *
 * pvfio makes no vEVENTQs; the layout is here for completeness.
 */
struct pvfio_ifd_vevent_header {
	__u32 flags;
	__u32 sequence;
};

/**
 * enum pvfio_ifd_veventq_type - @type of VEVENTQ_ALLOC
 * @PVFIO_IFD_VEVENTQ_TYPE_DEFAULT: no type (reserved)
 * @PVFIO_IFD_VEVENTQ_TYPE_ARM_SMMUV3: ARM SMMUv3 event records
 * @PVFIO_IFD_VEVENTQ_TYPE_TEGRA241_CMDQV: NVIDIA Tegra241 CMDQV interrupts
 */
enum pvfio_ifd_veventq_type {
	PVFIO_IFD_VEVENTQ_TYPE_DEFAULT = 0,
	PVFIO_IFD_VEVENTQ_TYPE_ARM_SMMUV3 = 1,
	PVFIO_IFD_VEVENTQ_TYPE_TEGRA241_CMDQV = 2,
};

/**
 * struct pvfio_ifd_veventq_alloc - ioctl(PVFIO_IFD_VEVENTQ_ALLOC)
 * @size: sizeof(struct pvfio_ifd_veventq_alloc)
 * @flags: must be 0
 * @viommu_id: the vIOMMU whose events the queue reports
 * @type: enum pvfio_ifd_veventq_type
 * @veventq_depth: events the queue holds before it loses some
 * @out_veventq_id: output, the ID of the new queue
 * @out_veventq_fd: output, its file descriptor
 * @__reserved: must be 0
 *
 * Create a queue of a vIOMMU's events.
 *
 * Minimum size: up to @out_veventq_fd.
 *
 * Errors: EOPNOTSUPP (vIOMMUs need IOMMU-driver support), after the size
 * checks.
 */
struct pvfio_ifd_veventq_alloc {
	__u32 size;
	__u32 flags;
	__u32 viommu_id;
	__u32 type;
	__u32 veventq_depth;
	__u32 out_veventq_id;
	__u32 out_veventq_fd;
	__u32 __reserved;
};
#define PVFIO_IFD_VEVENTQ_ALLOC _IO(PVFIO_IFD_TYPE, PVFIO_IFD_CMD_VEVENTQ_ALLOC)

/**
 * enum pvfio_ifd_hw_queue_type - @type of HW_QUEUE_ALLOC
 * @PVFIO_IFD_HW_QUEUE_TYPE_DEFAULT: no type (reserved)
 * @PVFIO_IFD_HW_QUEUE_TYPE_TEGRA241_CMDQV: NVIDIA Tegra241 CMDQV virtual
 *                                          command queue
 */
enum pvfio_ifd_hw_queue_type {
	PVFIO_IFD_HW_QUEUE_TYPE_DEFAULT = 0,
	PVFIO_IFD_HW_QUEUE_TYPE_TEGRA241_CMDQV = 1,
};

/**
 * struct pvfio_ifd_hw_queue_alloc - ioctl(PVFIO_IFD_HW_QUEUE_ALLOC)
 * @size: sizeof(struct pvfio_ifd_hw_queue_alloc)
 * @flags: must be 0
 * @viommu_id: the vIOMMU
 * @type: enum pvfio_ifd_hw_queue_type
 * @index: which queue of @type on the vIOMMU
 * @out_hw_queue_id: output, the ID of the new queue
 * @nesting_parent_iova: guest-physical address of the queue's memory
 * @length: bytes of the queue's memory
 *
 * Give a guest's queue in its memory directly to the IOMMU hardware.
 *
 * Minimum size: up to @length.
 *
 * Errors: EOPNOTSUPP (HW queues need IOMMU-driver support), after the size
 * checks.
 */
struct pvfio_ifd_hw_queue_alloc {
	__u32 size;
	__u32 flags;
	__u32 viommu_id;
	__u32 type;
	__u32 index;
	__u32 out_hw_queue_id;
	__aligned_u64 nesting_parent_iova;
	__aligned_u64 length;
};
#define PVFIO_IFD_HW_QUEUE_ALLOC \
	_IO(PVFIO_IFD_TYPE, PVFIO_IFD_CMD_HW_QUEUE_ALLOC)

/*
 * Test interface, only with the module parameter enable_test_ops=1.
 *
 * The layout of iommufd's own test interface (iommufd_test.h, which the
 * upstream selftest tools/testing/selftests/iommu is built with), so that
 * the selftest runs unmodified against this node.  Without the parameter,
 * PVFIO_IFD_TEST_CMD fails with ENOTTY like any unknown ioctl.  This is not
 * a stable interface: it follows iommufd_test.h of the kernel version named
 * at the top.
 *
 * Operations for what pvfio does not implement fail with EOPNOTSUPP after
 * the size checks: PVFIO_IFD_TEST_OP_MD_CHECK_IOTLB (nesting),
 * PVFIO_IFD_TEST_OP_TRIGGER_IOPF (fault queues),
 * PVFIO_IFD_TEST_OP_TRIGGER_VEVENT (vIOMMU), PVFIO_IFD_TEST_OP_PASID_*
 * (PASID),
 * PVFIO_IFD_TEST_OP_DMABUF_* (dma-buf).
 */

/**
 * enum pvfio_ifd_test_op - @op of struct pvfio_ifd_test_cmd
 * @PVFIO_IFD_TEST_OP_ADD_RESERVED: reserve a range of the IOAS @id, as a
 *                                  device's reserved region would
 * @PVFIO_IFD_TEST_OP_MOCK_DOMAIN: create a mock device on the IOAS or page
 *                                 table @id, with a mock domain that records
 *                                 its mappings in memory
 * @PVFIO_IFD_TEST_OP_MD_CHECK_MAP: check that the mock domain of @id maps
 *                                  a range to exactly the pages of a buffer
 * @PVFIO_IFD_TEST_OP_MD_CHECK_REFS: check the pin count of a buffer's pages
 * @PVFIO_IFD_TEST_OP_CREATE_ACCESS: create an access (an emulated device's
 *                                   view) on the IOAS @id, returning its fd
 * @PVFIO_IFD_TEST_OP_DESTROY_ACCESS_PAGES: unpin what ACCESS_PAGES pinned,
 *                                          on the access fd @id
 * @PVFIO_IFD_TEST_OP_ACCESS_PAGES: pin a range through the access fd @id
 * @PVFIO_IFD_TEST_OP_ACCESS_RW: copy to or from a range through the access
 *                               fd @id
 * @PVFIO_IFD_TEST_OP_SET_TEMP_MEMORY_LIMIT: bound the temporary memory of
 *                                          one pinning batch, so small
 *                                          buffers cross batch boundaries
 * @PVFIO_IFD_TEST_OP_MOCK_DOMAIN_REPLACE: move the mock device @id to
 *                                        another IOAS or page table
 * @PVFIO_IFD_TEST_OP_ACCESS_REPLACE_IOAS: move the access fd @id to another
 *                                        IOAS
 * @PVFIO_IFD_TEST_OP_MOCK_DOMAIN_FLAGS: MOCK_DOMAIN with device flags
 * @PVFIO_IFD_TEST_OP_DIRTY: mark IOPTEs of the mock page table @id dirty, as
 *                           a device's writes would
 * @PVFIO_IFD_TEST_OP_MD_CHECK_IOTLB: check a nested mock domain's IOTLB
 *                                    (EOPNOTSUPP)
 * @PVFIO_IFD_TEST_OP_TRIGGER_IOPF: inject an I/O page fault (EOPNOTSUPP)
 * @PVFIO_IFD_TEST_OP_DEV_CHECK_CACHE: check a mock device's cache entry;
 *                                     only a vIOMMU would change one, so in
 *                                     pvfio every entry keeps
 *                                     PVFIO_IFD_TEST_DEV_CACHE_DEFAULT
 * @PVFIO_IFD_TEST_OP_TRIGGER_VEVENT: inject a vIOMMU event (EOPNOTSUPP)
 * @PVFIO_IFD_TEST_OP_PASID_ATTACH: attach a PASID (EOPNOTSUPP)
 * @PVFIO_IFD_TEST_OP_PASID_REPLACE: replace a PASID's page table
 *                                   (EOPNOTSUPP)
 * @PVFIO_IFD_TEST_OP_PASID_DETACH: detach a PASID (EOPNOTSUPP)
 * @PVFIO_IFD_TEST_OP_PASID_CHECK_HWPT: check a PASID's page table
 *                                     (EOPNOTSUPP)
 * @PVFIO_IFD_TEST_OP_DMABUF_GET: make a test dma-buf (EOPNOTSUPP)
 * @PVFIO_IFD_TEST_OP_DMABUF_REVOKE: revoke a test dma-buf (EOPNOTSUPP)
 */
enum pvfio_ifd_test_op {
	PVFIO_IFD_TEST_OP_ADD_RESERVED = 1,
	PVFIO_IFD_TEST_OP_MOCK_DOMAIN,
	PVFIO_IFD_TEST_OP_MD_CHECK_MAP,
	PVFIO_IFD_TEST_OP_MD_CHECK_REFS,
	PVFIO_IFD_TEST_OP_CREATE_ACCESS,
	PVFIO_IFD_TEST_OP_DESTROY_ACCESS_PAGES,
	PVFIO_IFD_TEST_OP_ACCESS_PAGES,
	PVFIO_IFD_TEST_OP_ACCESS_RW,
	PVFIO_IFD_TEST_OP_SET_TEMP_MEMORY_LIMIT,
	PVFIO_IFD_TEST_OP_MOCK_DOMAIN_REPLACE,
	PVFIO_IFD_TEST_OP_ACCESS_REPLACE_IOAS,
	PVFIO_IFD_TEST_OP_MOCK_DOMAIN_FLAGS,
	PVFIO_IFD_TEST_OP_DIRTY,
	PVFIO_IFD_TEST_OP_MD_CHECK_IOTLB,
	PVFIO_IFD_TEST_OP_TRIGGER_IOPF,
	PVFIO_IFD_TEST_OP_DEV_CHECK_CACHE,
	PVFIO_IFD_TEST_OP_TRIGGER_VEVENT,
	PVFIO_IFD_TEST_OP_PASID_ATTACH,
	PVFIO_IFD_TEST_OP_PASID_REPLACE,
	PVFIO_IFD_TEST_OP_PASID_DETACH,
	PVFIO_IFD_TEST_OP_PASID_CHECK_HWPT,
	PVFIO_IFD_TEST_OP_DMABUF_GET,
	PVFIO_IFD_TEST_OP_DMABUF_REVOKE,
};

/* The mock domain's page-table formats (@pagetable_type of the selftest
 * HWPT data).
 */
enum {
	PVFIO_IFD_MOCK_IOMMUPT_DEFAULT = 0,
	PVFIO_IFD_MOCK_IOMMUPT_HUGE,
};

/* The mock domain's geometry, for PVFIO_IFD_MOCK_IOMMUPT_DEFAULT. */
enum {
	PVFIO_IFD_MOCK_APERTURE_START = 1UL << 24,
	PVFIO_IFD_MOCK_APERTURE_LAST = (1UL << 31) - 1,
	PVFIO_IFD_MOCK_PAGE_SIZE = 2048,
	PVFIO_IFD_MOCK_HUGE_PAGE_SIZE = 512 * PVFIO_IFD_MOCK_PAGE_SIZE,
};

/* @flags of CREATE_ACCESS: the access writes; the access is syzkaller's. */
enum {
	PVFIO_IFD_MOCK_FLAGS_ACCESS_WRITE = 1 << 0,
	PVFIO_IFD_MOCK_FLAGS_ACCESS_SYZ = 1 << 16,
};

/* @flags of ACCESS_RW: copy into the IOVA range; take the page-pinning path
 * instead of the fast one.
 */
enum {
	PVFIO_IFD_MOCK_ACCESS_RW_WRITE = 1 << 0,
	PVFIO_IFD_MOCK_ACCESS_RW_SLOW_PATH = 1 << 2,
};

/* @flags of CREATE_ACCESS: the access pins pages (it needs an IOVA
 * alignment of a page and receives unmap callbacks).
 */
enum {
	PVFIO_IFD_MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES = 1 << 0,
};

/* @dev_flags of MOCK_DOMAIN_FLAGS: the mock IOMMU has no dirty tracking;
 * the mock device has PASIDs.
 */
enum {
	PVFIO_IFD_MOCK_FLAGS_DEVICE_NO_DIRTY = 1 << 0,
	PVFIO_IFD_MOCK_FLAGS_DEVICE_PASID = 1 << 2,
};

/* IOTLB entries of a nested mock domain (MD_CHECK_IOTLB). */
enum {
	PVFIO_IFD_MOCK_NESTED_DOMAIN_IOTLB_ID_MAX = 3,
	PVFIO_IFD_MOCK_NESTED_DOMAIN_IOTLB_NUM = 4,
};

/* Cache entries of a mock device (DEV_CHECK_CACHE). */
enum {
	PVFIO_IFD_MOCK_DEV_CACHE_ID_MAX = 3,
	PVFIO_IFD_MOCK_DEV_CACHE_NUM = 4,
};

/* A PASID the PASID_REPLACE test keeps for itself. */
#define PVFIO_IFD_TEST_PASID_RESERVED 1024

/**
 * struct pvfio_ifd_test_add_reserved - PVFIO_IFD_TEST_OP_ADD_RESERVED
 * @start: first IOVA
 * @length: bytes
 */
struct pvfio_ifd_test_add_reserved {
	__aligned_u64 start;
	__aligned_u64 length;
};

/**
 * struct pvfio_ifd_test_mock_domain - PVFIO_IFD_TEST_OP_MOCK_DOMAIN
 * @out_stdev_id: output, ID of the mock device object (for DESTROY and
 *                MOCK_DOMAIN_REPLACE)
 * @out_hwpt_id: output, ID of the page table the device is attached to
 * @out_idev_id: output, the device's ID as @dev_id of HWPT_ALLOC and
 *               GET_HW_INFO
 */
struct pvfio_ifd_test_mock_domain {
	__u32 out_stdev_id;
	__u32 out_hwpt_id;
	__u32 out_idev_id;
};

/**
 * struct pvfio_ifd_test_mock_domain_flags - PVFIO_IFD_TEST_OP_MOCK_DOMAIN_FLAGS
 * @out_stdev_id: as for MOCK_DOMAIN
 * @out_hwpt_id: as for MOCK_DOMAIN
 * @out_idev_id: as for MOCK_DOMAIN
 * @dev_flags: PVFIO_IFD_MOCK_FLAGS_DEVICE_* bits
 */
struct pvfio_ifd_test_mock_domain_flags {
	__u32 out_stdev_id;
	__u32 out_hwpt_id;
	__u32 out_idev_id;
	__u32 dev_flags;
};

/**
 * struct pvfio_ifd_test_mock_domain_replace - PVFIO_IFD_TEST_OP_MOCK_DOMAIN_REPLACE
 * @pt_id: input, the IOAS or page table to move to; output, the page table
 *         the device is now attached to
 */
struct pvfio_ifd_test_mock_domain_replace {
	__u32 pt_id;
};

/**
 * struct pvfio_ifd_test_check_map - PVFIO_IFD_TEST_OP_MD_CHECK_MAP
 * @iova: first IOVA, in the mock domain of @id
 * @length: bytes
 * @uptr: the user buffer that must back the range
 */
struct pvfio_ifd_test_check_map {
	__aligned_u64 iova;
	__aligned_u64 length;
	__aligned_u64 uptr;
};

/**
 * struct pvfio_ifd_test_check_refs - PVFIO_IFD_TEST_OP_MD_CHECK_REFS
 * @length: bytes
 * @uptr: user buffer
 * @refs: the pin count every page must have (4 bytes of implicit padding
 *        follow, as in iommufd)
 */
struct pvfio_ifd_test_check_refs {
	__aligned_u64 length;
	__aligned_u64 uptr;
	__u32 refs;
};

/**
 * struct pvfio_ifd_test_create_access - PVFIO_IFD_TEST_OP_CREATE_ACCESS
 * @out_access_fd: output, the access file descriptor
 * @flags: PVFIO_IFD_MOCK_FLAGS_ACCESS_CREATE_* bits
 */
struct pvfio_ifd_test_create_access {
	__u32 out_access_fd;
	__u32 flags;
};

/**
 * struct pvfio_ifd_test_destroy_access_pages - PVFIO_IFD_TEST_OP_DESTROY_ACCESS_PAGES
 * @access_pages_id: @out_access_pages_id of the ACCESS_PAGES to undo
 */
struct pvfio_ifd_test_destroy_access_pages {
	__u32 access_pages_id;
};

/**
 * struct pvfio_ifd_test_access_pages - PVFIO_IFD_TEST_OP_ACCESS_PAGES
 * @flags: PVFIO_IFD_MOCK_FLAGS_ACCESS_* bits
 * @out_access_pages_id: output, names the pin for DESTROY_ACCESS_PAGES
 * @iova: first IOVA
 * @length: bytes
 * @uptr: the user buffer the pinned pages must be
 */
struct pvfio_ifd_test_access_pages {
	__u32 flags;
	__u32 out_access_pages_id;
	__aligned_u64 iova;
	__aligned_u64 length;
	__aligned_u64 uptr;
};

/**
 * struct pvfio_ifd_test_access_rw - PVFIO_IFD_TEST_OP_ACCESS_RW
 * @iova: first IOVA
 * @length: bytes
 * @uptr: user buffer to copy from or to
 * @flags: PVFIO_IFD_MOCK_ACCESS_RW_* bits (4 bytes of implicit padding
 *         follow, as in iommufd)
 */
struct pvfio_ifd_test_access_rw {
	__aligned_u64 iova;
	__aligned_u64 length;
	__aligned_u64 uptr;
	__u32 flags;
};

/**
 * struct pvfio_ifd_test_memory_limit - PVFIO_IFD_TEST_OP_SET_TEMP_MEMORY_LIMIT
 * @limit: bytes one pinning batch may use; 0 restores the default
 */
struct pvfio_ifd_test_memory_limit {
	__u32 limit;
};

/**
 * struct pvfio_ifd_test_access_replace_ioas - PVFIO_IFD_TEST_OP_ACCESS_REPLACE_IOAS
 * @ioas_id: the IOAS to move the access to
 */
struct pvfio_ifd_test_access_replace_ioas {
	__u32 ioas_id;
};

/**
 * struct pvfio_ifd_test_dirty - PVFIO_IFD_TEST_OP_DIRTY
 * @flags: 0 (not checked, as in iommufd; 4 bytes of implicit padding
 *         follow, as in iommufd)
 * @iova: first IOVA, a multiple of @page_size
 * @length: bytes, a non-zero multiple of @page_size, at most 128 Mi bits
 * @page_size: bytes one bit of the bitmap stands for (any non-zero value)
 * @uptr: user pointer to the bitmap (unsigned longs) of pages to mark: bit
 *        n marks the IOPTE mapping @iova + n * @page_size dirty (a huge
 *        IOPTE as a whole)
 * @out_nr_dirty: output, bits that hit a mapped IOPTE
 *
 * Tracking must be on (else EINVAL, also for a page table that is no mock;
 * ENOENT no page table @id).  EINVAL a zero or misaligned range or a NULL
 * @uptr; EOVERFLOW more bits than iommufd's limit or a range past the end
 * of the address space; EFAULT.
 */
struct pvfio_ifd_test_dirty {
	__u32 flags;
	__aligned_u64 iova;
	__aligned_u64 length;
	__aligned_u64 page_size;
	__aligned_u64 uptr;
	__aligned_u64 out_nr_dirty;
};

/**
 * struct pvfio_ifd_test_check_iotlb - PVFIO_IFD_TEST_OP_MD_CHECK_IOTLB
 * @id: IOTLB entry index
 * @iotlb: the value it must hold
 */
struct pvfio_ifd_test_check_iotlb {
	__u32 id;
	__u32 iotlb;
};

/**
 * struct pvfio_ifd_test_trigger_iopf - PVFIO_IFD_TEST_OP_TRIGGER_IOPF
 * @dev_id: the device that faults
 * @pasid: its PASID
 * @grpid: page request group index
 * @perm: enum pvfio_ifd_hwpt_pgfault_perm
 * @addr: faulting address (a plain __u64, as in iommufd)
 */
struct pvfio_ifd_test_trigger_iopf {
	__u32 dev_id;
	__u32 pasid;
	__u32 grpid;
	__u32 perm;
	__u64 addr;
};

/**
 * struct pvfio_ifd_test_check_dev_cache - PVFIO_IFD_TEST_OP_DEV_CHECK_CACHE
 * @id: cache entry index, up to PVFIO_IFD_MOCK_DEV_CACHE_ID_MAX
 * @cache: the value it must hold
 */
struct pvfio_ifd_test_check_dev_cache {
	__u32 id;
	__u32 cache;
};

/**
 * struct pvfio_ifd_test_trigger_vevent - PVFIO_IFD_TEST_OP_TRIGGER_VEVENT
 * @dev_id: the device the event is about
 */
struct pvfio_ifd_test_trigger_vevent {
	__u32 dev_id;
};

/**
 * struct pvfio_ifd_test_pasid_attach - PVFIO_IFD_TEST_OP_PASID_ATTACH
 * @pasid: PASID of the mock device @id
 * @pt_id: input, the IOAS or page table; output, the page table attached
 */
struct pvfio_ifd_test_pasid_attach {
	__u32 pasid;
	__u32 pt_id;
};

/**
 * struct pvfio_ifd_test_pasid_replace - PVFIO_IFD_TEST_OP_PASID_REPLACE
 * @pasid: PASID of the mock device @id
 * @pt_id: as for PASID_ATTACH
 */
struct pvfio_ifd_test_pasid_replace {
	__u32 pasid;
	__u32 pt_id;
};

/**
 * struct pvfio_ifd_test_pasid_detach - PVFIO_IFD_TEST_OP_PASID_DETACH
 * @pasid: PASID of the mock device @id
 */
struct pvfio_ifd_test_pasid_detach {
	__u32 pasid;
};

/**
 * struct pvfio_ifd_test_pasid_check - PVFIO_IFD_TEST_OP_PASID_CHECK_HWPT
 * @pasid: PASID of the mock device @id
 * @hwpt_id: the page table it must be attached to
 */
struct pvfio_ifd_test_pasid_check {
	__u32 pasid;
	__u32 hwpt_id;
};

/**
 * struct pvfio_ifd_test_dmabuf_get - PVFIO_IFD_TEST_OP_DMABUF_GET
 * @length: bytes of the dma-buf
 * @open_flags: flags of the new dma-buf fd
 */
struct pvfio_ifd_test_dmabuf_get {
	__u32 length;
	__u32 open_flags;
};

/**
 * struct pvfio_ifd_test_dmabuf_revoke - PVFIO_IFD_TEST_OP_DMABUF_REVOKE
 * @dmabuf_fd: a dma-buf of DMABUF_GET
 * @revoked: 1 revokes, 0 restores
 */
struct pvfio_ifd_test_dmabuf_revoke {
	__s32 dmabuf_fd;
	__u32 revoked;
};

/**
 * struct pvfio_ifd_test_cmd - ioctl(PVFIO_IFD_TEST_CMD)
 * @size: sizeof(struct pvfio_ifd_test_cmd)
 * @op: enum pvfio_ifd_test_op
 * @id: the object the operation works on, where it needs one
 * @__reserved: must be 0
 * @add_reserved: ADD_RESERVED
 * @mock_domain: MOCK_DOMAIN
 * @mock_domain_flags: MOCK_DOMAIN_FLAGS
 * @mock_domain_replace: MOCK_DOMAIN_REPLACE
 * @check_map: MD_CHECK_MAP
 * @check_refs: MD_CHECK_REFS
 * @create_access: CREATE_ACCESS
 * @destroy_access_pages: DESTROY_ACCESS_PAGES
 * @access_pages: ACCESS_PAGES
 * @access_rw: ACCESS_RW
 * @memory_limit: SET_TEMP_MEMORY_LIMIT
 * @access_replace_ioas: ACCESS_REPLACE_IOAS
 * @dirty: DIRTY
 * @check_iotlb: MD_CHECK_IOTLB
 * @trigger_iopf: TRIGGER_IOPF
 * @check_dev_cache: DEV_CHECK_CACHE
 * @trigger_vevent: TRIGGER_VEVENT
 * @pasid_attach: PASID_ATTACH
 * @pasid_replace: PASID_REPLACE
 * @pasid_detach: PASID_DETACH
 * @pasid_check: PASID_CHECK_HWPT
 * @dmabuf_get: DMABUF_GET
 * @dmabuf_revoke: DMABUF_REVOKE
 * @last: marks the end of the command (no meaning of its own)
 *
 * Minimum size: up to @last, the whole struct.
 *
 * Errors: ENOTTY enable_test_ops is off; EOPNOTSUPP unknown @op, or an
 * operation listed above as not provided by pvfio; ENOENT @id does not name an
 * object of the right type; otherwise the operation's own errors.
 */
struct pvfio_ifd_test_cmd {
	__u32 size;
	__u32 op;
	__u32 id;
	__u32 __reserved;
	union {
		struct pvfio_ifd_test_add_reserved add_reserved;
		struct pvfio_ifd_test_mock_domain mock_domain;
		struct pvfio_ifd_test_mock_domain_flags mock_domain_flags;
		struct pvfio_ifd_test_mock_domain_replace mock_domain_replace;
		struct pvfio_ifd_test_check_map check_map;
		struct pvfio_ifd_test_check_refs check_refs;
		struct pvfio_ifd_test_create_access create_access;
		struct pvfio_ifd_test_destroy_access_pages destroy_access_pages;
		struct pvfio_ifd_test_access_pages access_pages;
		struct pvfio_ifd_test_access_rw access_rw;
		struct pvfio_ifd_test_memory_limit memory_limit;
		struct pvfio_ifd_test_access_replace_ioas access_replace_ioas;
		struct pvfio_ifd_test_dirty dirty;
		struct pvfio_ifd_test_check_iotlb check_iotlb;
		struct pvfio_ifd_test_trigger_iopf trigger_iopf;
		struct pvfio_ifd_test_check_dev_cache check_dev_cache;
		struct pvfio_ifd_test_trigger_vevent trigger_vevent;
		struct pvfio_ifd_test_pasid_attach pasid_attach;
		struct pvfio_ifd_test_pasid_replace pasid_replace;
		struct pvfio_ifd_test_pasid_detach pasid_detach;
		struct pvfio_ifd_test_pasid_check pasid_check;
		struct pvfio_ifd_test_dmabuf_get dmabuf_get;
		struct pvfio_ifd_test_dmabuf_revoke dmabuf_revoke;
	};
	__u32 last;
};
#define PVFIO_IFD_TEST_CMD _IO(PVFIO_IFD_TYPE, PVFIO_IFD_CMD_BASE + 32)

/* PASID width of the mock device with PVFIO_IFD_MOCK_FLAGS_DEVICE_PASID. */
#define PVFIO_IFD_MOCK_PASID_WIDTH 20

/* GET_HW_INFO of a mock device: @out_data_type, and the value of @test_reg
 * in its struct pvfio_ifd_test_hw_info.
 */
#define PVFIO_IFD_HW_INFO_TYPE_SELFTEST		0xfeedbeef
#define PVFIO_IFD_HW_INFO_SELFTEST_REGVAL	0xdeadbeef

/**
 * struct pvfio_ifd_test_hw_info - GET_HW_INFO data of a mock device
 * @flags: 0
 * @test_reg: PVFIO_IFD_HW_INFO_SELFTEST_REGVAL
 */
struct pvfio_ifd_test_hw_info {
	__u32 flags;
	__u32 test_reg;
};

/* @data_type of HWPT_ALLOC for a nested mock page table (outside enum
 * pvfio_ifd_hwpt_data_type on purpose), and the initial values of a nested
 * mock domain's IOTLB and of a mock device's cache entries.
 */
#define PVFIO_IFD_HWPT_DATA_SELFTEST		0xdead
#define PVFIO_IFD_TEST_IOTLB_DEFAULT		0xbadbeef
#define PVFIO_IFD_TEST_DEV_CACHE_DEFAULT	0xbaddad

/**
 * struct pvfio_ifd_hwpt_selftest - HWPT_ALLOC data, PVFIO_IFD_HWPT_DATA_SELFTEST
 * @iotlb: the value of every IOTLB entry of the new nested mock domain
 *         (PVFIO_IFD_TEST_IOTLB_DEFAULT)
 * @pagetable_type: PVFIO_IFD_MOCK_IOMMUPT_*
 */
struct pvfio_ifd_hwpt_selftest {
	__u32 iotlb;
	__u32 pagetable_type;
};

/* @data_type of HWPT_INVALIDATE for a nested mock page table (outside enum
 * pvfio_ifd_hwpt_invalidate_data_type on purpose), and one that is refused.
 */
#define PVFIO_IFD_HWPT_INVALIDATE_DATA_SELFTEST		0xdeadbeef
#define PVFIO_IFD_HWPT_INVALIDATE_DATA_SELFTEST_INVALID	0xdadbeef

/* @flags of the selftest invalidation entries: every entry, not one. */
#define PVFIO_IFD_TEST_INVALIDATE_FLAG_ALL	(1 << 0)

/**
 * struct pvfio_ifd_hwpt_invalidate_selftest - HWPT_INVALIDATE entry,
 *                                             PVFIO_IFD_HWPT_INVALIDATE_DATA_SELFTEST
 * @flags: PVFIO_IFD_TEST_INVALIDATE_FLAG_ALL or 0
 * @iotlb_id: the IOTLB entry, without FLAG_ALL
 */
struct pvfio_ifd_hwpt_invalidate_selftest {
	__u32 flags;
	__u32 iotlb_id;
};

/* @type of VIOMMU_ALLOC for a mock vIOMMU. */
#define PVFIO_IFD_VIOMMU_TYPE_SELFTEST 0xdeadbeef

/**
 * struct pvfio_ifd_viommu_selftest - VIOMMU_ALLOC data of a mock vIOMMU
 * @in_data: any value
 * @out_data: output, @in_data back
 * @out_mmap_offset: output, mmap() offset of the mock vIOMMU's page
 * @out_mmap_length: output, its length
 */
struct pvfio_ifd_viommu_selftest {
	__u32 in_data;
	__u32 out_data;
	__aligned_u64 out_mmap_offset;
	__aligned_u64 out_mmap_length;
};

/* @data_type of HWPT_INVALIDATE on a mock vIOMMU, and one that is refused. */
#define PVFIO_IFD_VIOMMU_INVALIDATE_DATA_SELFTEST		0xdeadbeef
#define PVFIO_IFD_VIOMMU_INVALIDATE_DATA_SELFTEST_INVALID	0xdadbeef

/**
 * struct pvfio_ifd_viommu_invalidate_selftest - HWPT_INVALIDATE entry,
 *                                               PVFIO_IFD_VIOMMU_INVALIDATE_DATA_SELFTEST
 * @flags: PVFIO_IFD_TEST_INVALIDATE_FLAG_ALL or 0
 * @vdev_id: the vDEVICE's @virt_id
 * @cache_id: the device cache entry, without FLAG_ALL
 */
struct pvfio_ifd_viommu_invalidate_selftest {
	__u32 flags;
	__u32 vdev_id;
	__u32 cache_id;
};

/* @type of VEVENTQ_ALLOC for a mock vIOMMU. */
#define PVFIO_IFD_VEVENTQ_TYPE_SELFTEST 0xbeefbeef

/**
 * struct pvfio_ifd_viommu_event_selftest - a mock vIOMMU's event
 * @virt_id: @virt_id of the vDEVICE of TRIGGER_VEVENT's device
 */
struct pvfio_ifd_viommu_event_selftest {
	__u32 virt_id;
};

/* @type of HW_QUEUE_ALLOC on a mock vIOMMU, and its number of queues. */
#define PVFIO_IFD_HW_QUEUE_TYPE_SELFTEST 0xdeadbeef
#define PVFIO_IFD_TEST_HW_QUEUE_MAX 2

#endif /* _UAPI_PVFIO_IOMMUFD_H */
