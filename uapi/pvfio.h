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
 *   with a non-zero tail with -E2BIG.  A size above 4096 bytes (a page on
 *   x86-64 and Debian's arm64) is always -E2BIG, as for clone3() and
 *   openat2(): no command makes the kernel scan gigabytes of user memory
 *   for a zero tail.  Output fields (``out_*``) are written back only up
 *   to the size userspace passed.  If they cannot be written (EFAULT), a
 *   command that creates an object is undone; one that changes existing
 *   state keeps its effect, as in iommufd: IOAS_MAP, IOAS_MAP_FILE and
 *   IOAS_COPY leave the mapping (UNMAP of everything or DESTROY removes
 *   it), IOAS_UNMAP has unmapped, DEVICE_ATTACH has attached, and
 *   ACCESS_PIN's pin stays until the access fd is closed.
 * - Fields are fixed width; user pointers are ``__aligned_u64``; padding is
 *   an explicit ``__reserved`` field that must be zero (-EOPNOTSUPP
 *   otherwise).  Unknown flag bits fail with -EOPNOTSUPP.
 * - ioctl numbers are _IO(PVFIO_TYPE, nr): the number does not encode the
 *   size, so a struct can grow without renumbering.
 * - Errors: ENOTTY unknown ioctl, EOPNOTSUPP unknown flag or non-zero
 *   reserved field, EINVAL bad argument, ENOENT no such object or IOVA,
 *   EOVERFLOW arithmetic overflow, EEXIST overlap, ENOSPC no free IOVA,
 *   ENOMEM memory limit, EBUSY object in use, EFAULT bad user memory, EPERM
 *   missing privilege, EMSGSIZE output array too small, EADDRINUSE a
 *   reserved range meets a mapping or an allowed range (iommufd's errno).
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
	PVFIO_CMD_IOAS_MAP = 0xa3,
	PVFIO_CMD_IOAS_UNMAP = 0xa4,
	PVFIO_CMD_IOAS_COPY = 0xa5,
	PVFIO_CMD_IOAS_ALLOW_IOVAS = 0xa6,
	PVFIO_CMD_OPTION = 0xa7,
	PVFIO_CMD_HWPT_ALLOC = 0xa8,
	PVFIO_CMD_DEVICE_BIND = 0xa9,
	PVFIO_CMD_DEVICE_INFO = 0xaa,
	PVFIO_CMD_DEVICE_ATTACH = 0xab,
	PVFIO_CMD_DEVICE_DETACH = 0xac,
	PVFIO_CMD_IOAS_MAP_FILE = 0xad,
	PVFIO_CMD_ACCESS_CREATE = 0xae,
	PVFIO_CMD_IOAS_CHANGE_PROCESS = 0xaf,
	PVFIO_CMD_IOAS_SET_DIRTY_TRACKING = 0xb0,
	PVFIO_CMD_IOAS_GET_DIRTY_BITMAP = 0xb1,
	/* Commands on an access file descriptor. */
	PVFIO_CMD_ACCESS_PIN = 0xc0,
	PVFIO_CMD_ACCESS_UNPIN = 0xc1,
	PVFIO_CMD_ACCESS_RW = 0xc2,
	PVFIO_CMD_ACCESS_ATTACH = 0xc3,
	PVFIO_CMD_ACCESS_REPLACE = 0xc4,
	PVFIO_CMD_ACCESS_DETACH = 0xc5,
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
 * Errors: EOPNOTSUPP non-zero @flags; ENOMEM out of memory; ENOSPC no free
 * object ID left in this context.
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

/**
 * enum pvfio_ioas_map_flags - flags of MAP and COPY
 * @PVFIO_IOAS_MAP_FIXED_IOVA: map at the given IOVA; without it the kernel
 *                             chooses one inside the allowed ranges that
 *                             keeps the alignment of the user address (so
 *                             huge pages can become huge IOPTEs)
 * @PVFIO_IOAS_MAP_WRITEABLE: devices may write the memory (the pages are
 *                            pinned for write and marked dirty on unpin)
 * @PVFIO_IOAS_MAP_READABLE: devices may read the memory
 */
enum pvfio_ioas_map_flags {
	PVFIO_IOAS_MAP_FIXED_IOVA = 1 << 0,
	PVFIO_IOAS_MAP_WRITEABLE = 1 << 1,
	PVFIO_IOAS_MAP_READABLE = 1 << 2,
};

/**
 * struct pvfio_ioas_map - ioctl(PVFIO_IOAS_MAP)
 * @size: sizeof(struct pvfio_ioas_map)
 * @flags: enum pvfio_ioas_map_flags; READABLE and/or WRITEABLE is required
 * @ioas_id: the IOAS
 * @__reserved: must be 0
 * @user_va: start of the user memory
 * @length: bytes to map, non-zero
 * @iova: input with FIXED_IOVA, output otherwise
 *
 * Record the range of the caller's memory at @iova.  Pages are pinned only
 * when something needs them, as in iommufd:
 *
 * - While the IOAS has no hardware page table attached, MAP pins nothing,
 *   charges nothing and keeps nothing proportional to @length; the memory
 *   need not even be populated yet.
 * - Attaching a page table (or MAP into an IOAS that has one) pins every
 *   page of the mapping, in bounded batches, and maps it.
 * - An access PIN pins just the pages it asks for.
 *
 * Whatever pins a page first, every other user shares it: a page carries
 * one long-term pin however many page tables, COPYs and accesses use it.
 * UNMAP, the detach of the last page table and access UNPIN give pins back
 * as soon as nothing needs them.
 *
 * Pinned pages are charged to the process that mapped them (its user, or
 * its mm: see PVFIO_OPTION_RLIMIT_MODE) against that process's
 * RLIMIT_MEMLOCK, whoever causes the pin later; a process with
 * CAP_IPC_LOCK when it maps is not charged (as in iommufd).  Pins are
 * always counted in the mapping mm's pinned_vm (VmPin).
 *
 * Alignment: while the IOAS has no page table and no access attached, its
 * IOVA alignment (PVFIO_IOAS_IOVA_RANGES) is 1 and @user_va, @length and
 * @iova may have any byte alignment; otherwise they must be multiples of
 * the alignment, and @user_va must be page aligned.
 *
 * If the reply cannot be written back (EFAULT), the mapping stays, as in
 * iommufd.
 *
 * Errors: EINVAL zero length, no READABLE/WRITEABLE, unaligned address,
 * length or IOVA, or an IOVA in a reserved range; EOVERFLOW address or IOVA
 * plus length overflows; EEXIST overlaps an existing mapping; ENOSPC no free
 * IOVA range is large enough; ENOENT no such IOAS; EOPNOTSUPP unknown flag
 * or non-zero reserved.  With a page table attached, also: ENOMEM over
 * RLIMIT_MEMLOCK; EFAULT the memory is not mapped, or is read-only and
 * WRITEABLE was asked.
 */
struct pvfio_ioas_map {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 __reserved;
	__aligned_u64 user_va;
	__aligned_u64 length;
	__aligned_u64 iova;
};
#define PVFIO_IOAS_MAP _IO(PVFIO_TYPE, PVFIO_CMD_IOAS_MAP)

/**
 * struct pvfio_ioas_map_file - ioctl(PVFIO_IOAS_MAP_FILE)
 * @size: sizeof(struct pvfio_ioas_map_file)
 * @flags: enum pvfio_ioas_map_flags; READABLE and/or WRITEABLE is required
 * @ioas_id: the IOAS
 * @fd: a memory file: a memfd (as VM memory usually is), or a shmem
 *      (tmpfs) or hugetlbfs file; as in iommufd, no other file is pinned
 * @start: offset in the file
 * @length: bytes to map, within the file
 * @iova: input with FIXED_IOVA, output otherwise
 *
 * MAP for a range of a file rather than of the caller's memory: the file
 * (a reference is kept) provides the pages whenever they need pinning,
 * whether or not anyone has the file mapped; pinning and charging follow
 * the rules of MAP, the charge going to the caller.  Pinning a file's pages
 * needs a process context (an in-kernel access pinning from a kernel
 * thread gets EFAULT).  WRITEABLE needs a file opened for writing.  A
 * kernel-chosen IOVA keeps the offset of @start within huge pages.
 *
 * Errors: as for MAP, plus EBADF @fd is not open; EINVAL @fd is not a
 * memfd, shmem or hugetlbfs file (iommufd's errno; the page cache of other
 * filesystems is never pinned long-term); EACCES WRITEABLE on a file not
 * open for writing; ENODEV the file cannot be mapped; EINVAL the range goes
 * past the end of the file (iommufd's errno; a file truncated later gives
 * EFAULT when its pages are pinned).
 */
struct pvfio_ioas_map_file {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__s32 fd;
	__aligned_u64 start;
	__aligned_u64 length;
	__aligned_u64 iova;
};
#define PVFIO_IOAS_MAP_FILE _IO(PVFIO_TYPE, PVFIO_CMD_IOAS_MAP_FILE)

/**
 * enum pvfio_ioas_unmap_flags - flags of UNMAP
 * @PVFIO_IOAS_UNMAP_DIRTY_BITMAP: report the dirty state of what is
 *                                 unmapped in @dirty_bitmap (the IOAS must
 *                                 be tracking, see
 *                                 PVFIO_IOAS_SET_DIRTY_TRACKING)
 */
enum pvfio_ioas_unmap_flags {
	PVFIO_IOAS_UNMAP_DIRTY_BITMAP = 1 << 0,
};

/**
 * struct pvfio_ioas_unmap - ioctl(PVFIO_IOAS_UNMAP)
 * @size: sizeof(struct pvfio_ioas_unmap)
 * @ioas_id: the IOAS
 * @iova: start of the range
 * @length: input: bytes in the range; output: bytes unmapped
 * @flags: enum pvfio_ioas_unmap_flags
 * @__reserved: must be 0
 * @page_size: with PVFIO_IOAS_UNMAP_DIRTY_BITMAP, the bytes one bit of
 *             @dirty_bitmap stands for, as for GET_DIRTY_BITMAP
 * @dirty_bitmap: with PVFIO_IOAS_UNMAP_DIRTY_BITMAP, user pointer to a
 *                bitmap of @length / @page_size bits (in __u64 words, bit
 *                n of word w for @iova + (64 * w + n) * @page_size)
 *
 * Unmap every mapping inside [iova, iova + length): whole mappings only.  A
 * range that cuts through a mapping fails and changes nothing.  @iova = 0
 * with @length = U64_MAX unmaps everything.  Every hardware page table is
 * unmapped and its IOTLB flushed before the pages are unpinned.
 *
 * While the IOAS tracks dirty pages, an UNMAP without
 * PVFIO_IOAS_UNMAP_DIRTY_BITMAP drops the dirty state of what it unmaps.
 * With it, the last word on the range is returned: access pins in the range
 * are revoked first (their pages count as written at unpin), page tables
 * without dirty bits report their writeable mappings, and then every page
 * of [@iova, @iova + @length) dirty since the last read is set in
 * @dirty_bitmap (bits are only set: zero the bitmap first) and cleared in
 * the IOAS, exactly as PVFIO_IOAS_GET_DIRTY_BITMAP would.  The range
 * must then be @page_size aligned, and not the "everything" form.  If the
 * bitmap cannot be written the mappings are still gone and the call fails
 * with EFAULT: the bits written before the failure are valid, and what
 * was not written stays in the IOAS for PVFIO_IOAS_GET_DIRTY_BITMAP
 * (nothing is cleared that was not delivered).  VFIO type1's unmap with
 * VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP is the model.
 *
 * Errors: ENOENT no mapping in the range, a mapping crossing either end of
 * it, or no such IOAS; EINVAL zero length, or with
 * PVFIO_IOAS_UNMAP_DIRTY_BITMAP: the IOAS is not tracking, a bad
 * @page_size, or a range not aligned to it; EOVERFLOW iova + length
 * overflows; EDEADLOCK an access kept pins in the range after a bounded
 * number of unmap callbacks (nothing is unmapped, and the range can be
 * pinned again); EOPNOTSUPP unknown @flags or non-zero @__reserved;
 * EFAULT the bitmap could not be written (see above).
 */
struct pvfio_ioas_unmap {
	__u32 size;
	__u32 ioas_id;
	__aligned_u64 iova;
	__aligned_u64 length;
	__u32 flags;
	__u32 __reserved;
	__aligned_u64 page_size;
	__aligned_u64 dirty_bitmap;
};
#define PVFIO_IOAS_UNMAP _IO(PVFIO_TYPE, PVFIO_CMD_IOAS_UNMAP)

/**
 * struct pvfio_ioas_copy - ioctl(PVFIO_IOAS_COPY)
 * @size: sizeof(struct pvfio_ioas_copy)
 * @flags: enum pvfio_ioas_map_flags for the destination
 * @dst_ioas_id: IOAS to map into
 * @src_ioas_id: IOAS to take the pages from
 * @length: bytes to copy
 * @dst_iova: input with FIXED_IOVA, output otherwise
 * @src_iova: start of the source range, which must be fully mapped
 *
 * Map in @dst_ioas_id the memory a range of @src_ioas_id maps: the copy
 * shares the source's pages (a page both use is pinned once and charged
 * once), and the source may be unmapped afterwards without affecting the
 * copy.
 *
 * Errors: as for MAP, plus ENOENT a hole in the source range; EPERM
 * WRITEABLE asked for memory mapped read-only.
 */
struct pvfio_ioas_copy {
	__u32 size;
	__u32 flags;
	__u32 dst_ioas_id;
	__u32 src_ioas_id;
	__aligned_u64 length;
	__aligned_u64 dst_iova;
	__aligned_u64 src_iova;
};
#define PVFIO_IOAS_COPY _IO(PVFIO_TYPE, PVFIO_CMD_IOAS_COPY)

/**
 * struct pvfio_ioas_allow_iovas - ioctl(PVFIO_IOAS_ALLOW_IOVAS)
 * @size: sizeof(struct pvfio_ioas_allow_iovas)
 * @ioas_id: the IOAS
 * @num_iovas: entries in @allowed_iovas; 0 allows everything again
 * @__reserved: must be 0
 * @allowed_iovas: user pointer to struct pvfio_iova_range[@num_iovas]
 *
 * Restrict where the kernel may place mappings it chooses the IOVA of.
 * Fixed-IOVA mappings are not restricted.  The ranges must not overlap.
 *
 * Errors: EINVAL a range with last < start, overlapping ranges, or too many
 * ranges (more than 4096); EADDRINUSE a range meets a reserved range (a
 * device's reserved region or a page table's aperture), as in iommufd;
 * EFAULT bad pointer; ENOENT no such IOAS.
 */
struct pvfio_ioas_allow_iovas {
	__u32 size;
	__u32 ioas_id;
	__u32 num_iovas;
	__u32 __reserved;
	__aligned_u64 allowed_iovas;
};
#define PVFIO_IOAS_ALLOW_IOVAS _IO(PVFIO_TYPE, PVFIO_CMD_IOAS_ALLOW_IOVAS)

/**
 * enum pvfio_option_id - what PVFIO_OPTION sets or gets
 * @PVFIO_OPTION_RLIMIT_MODE: on the context (@object_id 0): how pinned
 *                            pages are charged against RLIMIT_MEMLOCK.
 *                            0 (default, as iommufd): to the mapping
 *                            process's user (user->locked_vm, shared by its
 *                            processes, unaffected by exec); 1: to the
 *                            mapping process's mm (mm->locked_vm, VmLck,
 *                            the VFIO type1 model).  Setting needs
 *                            CAP_SYS_RESOURCE (EPERM) and a context with no
 *                            object yet (EBUSY).
 * @PVFIO_OPTION_HUGE_PAGES: on an IOAS: 1 (default) maps each physically
 *                           contiguous run with one iommu_map() so drivers
 *                           can use huge IOPTEs; 0 maps page by page and
 *                           makes page alignment the IOAS's minimum.  As in
 *                           iommufd, 0 is refused (EINVAL) while page
 *                           tables of the IOAS hold mappings.
 */
enum pvfio_option_id {
	PVFIO_OPTION_RLIMIT_MODE = 0,
	PVFIO_OPTION_HUGE_PAGES = 1,
};

/**
 * enum pvfio_option_op - PVFIO_OPTION direction
 * @PVFIO_OPTION_OP_SET: set @val64
 * @PVFIO_OPTION_OP_GET: read into @val64
 */
enum pvfio_option_op {
	PVFIO_OPTION_OP_SET = 0,
	PVFIO_OPTION_OP_GET = 1,
};

/**
 * struct pvfio_option - ioctl(PVFIO_OPTION)
 * @size: sizeof(struct pvfio_option)
 * @option_id: enum pvfio_option_id
 * @op: enum pvfio_option_op
 * @__reserved: must be 0
 * @object_id: the object the option applies to
 * @val64: value to set, or the value read
 *
 * Errors: EOPNOTSUPP unknown option or op, non-zero @__reserved, or a
 * non-zero @object_id for a context option; ENOENT no such object of the
 * right type; EINVAL bad value, or HUGE_PAGES off while page tables of the
 * IOAS hold mappings (iommufd's rule); EADDRINUSE HUGE_PAGES off with a
 * mapping not page aligned; EBUSY the context has objects (RLIMIT_MODE);
 * EPERM missing privilege.  With HUGE_PAGES off every mapping must be page
 * aligned, as in iommufd.
 */
struct pvfio_option {
	__u32 size;
	__u32 option_id;
	__u16 op;
	__u16 __reserved;
	__u32 object_id;
	__aligned_u64 val64;
};
#define PVFIO_OPTION _IO(PVFIO_TYPE, PVFIO_CMD_OPTION)

/**
 * struct pvfio_ioas_change_process - ioctl(PVFIO_IOAS_CHANGE_PROCESS)
 * @size: sizeof(struct pvfio_ioas_change_process)
 * @__reserved: must be 0
 *
 * Make the calling process the owner of the memory of every IOAS of the
 * context: the pages pinned now are charged to it (to its user or its mm,
 * against its RLIMIT_MEMLOCK, each mapping in the accounting mode it was
 * made with: one mapped with CAP_IPC_LOCK stays uncharged, and the new
 * owner's CAP_IPC_LOCK changes nothing, as in iommufd) and uncharged from
 * the previous owners, and later pins are charged to it.
 * For the live update of a VMM: the new process takes the fd over and the
 * old one may exit.  As in iommufd, every mapping must come from
 * PVFIO_IOAS_MAP_FILE (a user VA means nothing in another process).
 *
 * Errors: EINVAL a mapping is not file-backed; ENOMEM the new owner's
 * limit would be exceeded (nothing changed); EOPNOTSUPP non-zero
 * @__reserved.
 */
struct pvfio_ioas_change_process {
	__u32 size;
	__u32 __reserved;
};
#define PVFIO_IOAS_CHANGE_PROCESS _IO(PVFIO_TYPE, PVFIO_CMD_IOAS_CHANGE_PROCESS)

/**
 * enum pvfio_dirty_tracking_flags - flags of SET_DIRTY_TRACKING
 * @PVFIO_DIRTY_TRACKING_ENABLE: start tracking (without it: stop)
 */
enum pvfio_dirty_tracking_flags {
	PVFIO_DIRTY_TRACKING_ENABLE = 1 << 0,
};

/**
 * struct pvfio_ioas_set_dirty_tracking - ioctl(PVFIO_IOAS_SET_DIRTY_TRACKING)
 * @size: sizeof(struct pvfio_ioas_set_dirty_tracking)
 * @ioas_id: the IOAS
 * @flags: enum pvfio_dirty_tracking_flags
 * @__reserved: must be 0
 *
 * Start or stop tracking which pages of the IOAS are written by DMA.
 * Starting begins with a clean state (starting again while tracking
 * clears it); stopping drops the state.  The state belongs to the IOAS:
 * attaching, detaching or replacing devices and accesses changes how
 * pages become dirty, never what was recorded.
 *
 * While tracking, a page is dirty when:
 *
 * - an access wrote it with PVFIO_ACCESS_RW (or pvfio_access_rw()): exact;
 * - an access pin with PVFIO_ACCESS_RW_WRITE covers it: dirty on every read
 *   from the pin until its unpin, and once more after the unpin: exact;
 * - it is mapped writeable while a hardware page table of the IOAS cannot
 *   report dirty bits (every IOMMU driver of Debian's kernels, and the
 *   test operations' mock devices): dirty on every read for as long as it
 *   stays mapped there, and once more after its page table is detached or
 *   its mapping unmapped (VFIO type1's model): pessimistic, and
 *   GET_DIRTY_BITMAP names such ranges.
 *
 * Pages an access pinned only for read, and pages nothing wrote, are never
 * dirty.  In-kernel iommufd tracks only hardware page tables whose IOMMU
 * sets dirty bits; this is pvfio's own, for emulated devices.
 *
 * Errors: ENOENT no such IOAS; EOPNOTSUPP unknown @flags or non-zero
 * @__reserved.
 */
struct pvfio_ioas_set_dirty_tracking {
	__u32 size;
	__u32 ioas_id;
	__u32 flags;
	__u32 __reserved;
};
#define PVFIO_IOAS_SET_DIRTY_TRACKING \
	_IO(PVFIO_TYPE, PVFIO_CMD_IOAS_SET_DIRTY_TRACKING)

/**
 * enum pvfio_dirty_bitmap_flags - flags of GET_DIRTY_BITMAP
 * @PVFIO_DIRTY_BITMAP_NO_CLEAR: report without clearing
 */
enum pvfio_dirty_bitmap_flags {
	PVFIO_DIRTY_BITMAP_NO_CLEAR = 1 << 0,
};

/**
 * struct pvfio_ioas_get_dirty_bitmap - ioctl(PVFIO_IOAS_GET_DIRTY_BITMAP)
 * @size: sizeof(struct pvfio_ioas_get_dirty_bitmap)
 * @ioas_id: the IOAS, which must be tracking
 * @flags: enum pvfio_dirty_bitmap_flags
 * @num_pessimistic: input: capacity of @pessimistic, in entries; output:
 *                   the number of pessimistic ranges found (the first
 *                   input-many are written)
 * @iova: first IOVA of the range, a multiple of @page_size
 * @length: bytes in the range, a non-zero multiple of @page_size
 * @page_size: the bytes one bit stands for: a power of two, at least
 *             PAGE_SIZE; a bit is set if any page inside it is dirty
 * @data: user pointer to the bitmap: @length / @page_size bits, in __u64
 *        words, bit n of word w for @iova + (64 * w + n) * @page_size
 * @pessimistic: user pointer to an array of struct pvfio_iova_range, or 0
 *               with @num_pessimistic 0
 *
 * Set the bit of every dirty page of the range in @data (bits are only
 * set, never cleared: zero the bitmap first) and, unless
 * PVFIO_DIRTY_BITMAP_NO_CLEAR, clear what was recorded of the range.  Pins
 * and mappings that make pages dirty "on every read" keep doing so.
 *
 * The ranges, in @page_size units, sorted and merged, whose bits came from
 * a page table without dirty bits are written to @pessimistic: there the
 * report is VFIO type1's (everything mapped writeable), elsewhere it is
 * exact.  After a record could not be stored for lack of memory, every
 * writeable mapping is reported this way until tracking restarts.  Too
 * small an array is not an error: @num_pessimistic tells how many there
 * were, the bitmap is complete either way.
 *
 * The kernel works through the bitmap one page of it (32768 bits) at a time,
 * skips stretches where nothing can be dirty, and only writes the words
 * of chunks that hold a set bit (pinning those two pages of the bitmap
 * before it forgets what they report), so any range, up to the whole
 * 64-bit space, is read in bounded memory and in time that grows with
 * what is recorded, pinned or mapped in it.  If the bitmap cannot be
 * written, the call fails with EFAULT: the bits written before are valid
 * and what was not written stays recorded (nothing is lost).  If only
 * @pessimistic cannot be written, the bitmap is complete and the call
 * still fails with EFAULT.
 *
 * Errors: ENOENT no such IOAS; EINVAL the IOAS is not tracking, a bad
 * @page_size, a zero or unaligned range; EOVERFLOW the range passes the
 * end of the address space; EOPNOTSUPP unknown @flags; EFAULT @data or
 * @pessimistic cannot be written.
 */
struct pvfio_ioas_get_dirty_bitmap {
	__u32 size;
	__u32 ioas_id;
	__u32 flags;
	__u32 num_pessimistic;
	__aligned_u64 iova;
	__aligned_u64 length;
	__aligned_u64 page_size;
	__aligned_u64 data;
	__aligned_u64 pessimistic;
};
#define PVFIO_IOAS_GET_DIRTY_BITMAP \
	_IO(PVFIO_TYPE, PVFIO_CMD_IOAS_GET_DIRTY_BITMAP)

/**
 * struct pvfio_hwpt_alloc - ioctl(PVFIO_HWPT_ALLOC)
 * @size: sizeof(struct pvfio_hwpt_alloc)
 * @flags: must be 0
 * @dev_id: a bound device the page table must suit
 * @pt_id: the IOAS the page table mirrors
 * @out_hwpt_id: output, ID of the new page table
 * @__reserved: must be 0
 *
 * Allocate an explicit hardware page table (an iommu_domain of the device's
 * IOMMU) that mirrors @pt_id.  It is filled on its first DEVICE_ATTACH from
 * the pages already pinned (none is pinned again), and kept filled from
 * then on.  It stays until destroyed, and cannot be destroyed while a device
 * uses it (EBUSY).
 *
 * Errors: EOPNOTSUPP non-zero @flags or @__reserved; ENOENT no such device
 * or IOAS; ENODEV the device was unbound; ENOMEM; ENOSPC no free object ID
 * left in this context.
 */
struct pvfio_hwpt_alloc {
	__u32 size;
	__u32 flags;
	__u32 dev_id;
	__u32 pt_id;
	__u32 out_hwpt_id;
	__u32 __reserved;
};
#define PVFIO_HWPT_ALLOC _IO(PVFIO_TYPE, PVFIO_CMD_HWPT_ALLOC)

/**
 * struct pvfio_device_bind - ioctl(PVFIO_DEVICE_BIND)
 * @size: sizeof(struct pvfio_device_bind)
 * @flags: must be 0
 * @pci_domain: PCI segment of the device
 * @pci_bdf: bus << 8 | device << 3 | function
 * @out_dev_id: output, ID of the new device object
 * @__reserved: must be 0
 *
 * Make a PCI device bound to the pvfio-pci driver (see README: handing a
 * device over with driver_override) an object of this context.  pvfio claims
 * DMA ownership of its IOMMU group: until it is attached, the device can DMA
 * nowhere.  Destroying the object (or closing the context) gives the device
 * back to pvfio-pci, detached.
 *
 * Errors: EOPNOTSUPP non-zero @flags or @__reserved; EPERM the caller lacks
 * CAP_SYS_RAWIO; ENOENT no such PCI device; ENODEV the device is not bound
 * to pvfio-pci or has no IOMMU group; EINVAL the IOMMU group has other
 * devices too; EBUSY the device is bound to a context already; ENOMEM;
 * ENOSPC no free object ID left in this context.
 */
struct pvfio_device_bind {
	__u32 size;
	__u32 flags;
	__u32 pci_domain;
	__u32 pci_bdf;
	__u32 out_dev_id;
	__u32 __reserved;
};
#define PVFIO_DEVICE_BIND _IO(PVFIO_TYPE, PVFIO_CMD_DEVICE_BIND)

/**
 * enum pvfio_iommu_kind - which IOMMU translates for a device
 * @PVFIO_IOMMU_UNKNOWN: not one pvfio knows by name
 * @PVFIO_IOMMU_INTEL_VTD: Intel VT-d
 * @PVFIO_IOMMU_AMD_VI: AMD-Vi
 * @PVFIO_IOMMU_VIRTIO: virtio-iommu
 * @PVFIO_IOMMU_ARM_SMMU_V3: Arm SMMUv3
 */
enum pvfio_iommu_kind {
	PVFIO_IOMMU_UNKNOWN = 0,
	PVFIO_IOMMU_INTEL_VTD = 1,
	PVFIO_IOMMU_AMD_VI = 2,
	PVFIO_IOMMU_VIRTIO = 3,
	PVFIO_IOMMU_ARM_SMMU_V3 = 4,
};

/**
 * struct pvfio_device_info - ioctl(PVFIO_DEVICE_INFO)
 * @size: sizeof(struct pvfio_device_info)
 * @dev_id: the device
 * @out_iommu_kind: enum pvfio_iommu_kind
 * @num_reserved: input: capacity of @reserved_regions; output: the number of
 *                reserved regions the device has
 * @out_pgsize_bitmap: the IOMMU page sizes a domain for this device supports
 * @reserved_regions: user pointer to struct pvfio_iova_range[@num_reserved]:
 *                    IOVA ranges the device cannot use (MSI windows, ...)
 * @out_iommu_name: NUL-terminated name of the IOMMU driver
 *
 * Errors: ENOENT no such device; ENODEV the device was unbound; EMSGSIZE the
 * array is too small (@num_reserved tells the size needed); EFAULT.
 */
struct pvfio_device_info {
	__u32 size;
	__u32 dev_id;
	__u32 out_iommu_kind;
	__u32 num_reserved;
	__aligned_u64 out_pgsize_bitmap;
	__aligned_u64 reserved_regions;
	char out_iommu_name[32];
};
#define PVFIO_DEVICE_INFO _IO(PVFIO_TYPE, PVFIO_CMD_DEVICE_INFO)

/**
 * struct pvfio_device_attach - ioctl(PVFIO_DEVICE_ATTACH)
 * @size: sizeof(struct pvfio_device_attach)
 * @dev_id: the device
 * @pt_id: input: an IOAS or a HW page table; output: the HW page table the
 *         device is attached to (for an IOAS, one pvfio allocated for this
 *         device, destroyed when the device leaves it)
 * @__reserved: must be 0
 *
 * Attach the device, or, if it is attached already, **replace** its page
 * table.  No kernel pvfio supports offers an atomic replace to modules
 * outside iommufd (iommu_group_replace_domain() is iommufd-internal in 6.12
 * and not exported at all in 7.2), so a replace detaches and attaches: in
 * that window the device's DMA is blocked (it faults, it is never let
 * through untranslated).  The window is a few microseconds onto a page
 * table that is in use already; onto a new one it also covers filling it
 * (a page table is filled on its first attach, after the attach, because
 * some IOMMU drivers map only into attached domains).  If the new attach
 * fails, the device is back on its old page table and the call fails.
 * Attaching to the page table the device already uses is a no-op.
 *
 * Errors: EOPNOTSUPP non-zero @__reserved; ENOENT no such device, IOAS or
 * page table; ENODEV the device was unbound; EADDRINUSE a mapping or an
 * allowed range (ALLOW_IOVAS) lies in the device's reserved regions or
 * outside the aperture (iommufd's errno); EINVAL the page table belongs to
 * another IOMMU.
 */
struct pvfio_device_attach {
	__u32 size;
	__u32 dev_id;
	__u32 pt_id;
	__u32 __reserved;
};
#define PVFIO_DEVICE_ATTACH _IO(PVFIO_TYPE, PVFIO_CMD_DEVICE_ATTACH)

/**
 * struct pvfio_device_detach - ioctl(PVFIO_DEVICE_DETACH)
 * @size: sizeof(struct pvfio_device_detach)
 * @dev_id: the device
 *
 * Detach the device: its DMA is blocked until it is attached again.
 *
 * Errors: ENOENT no such device, or it is not attached; ENODEV unbound.
 */
struct pvfio_device_detach {
	__u32 size;
	__u32 dev_id;
};
#define PVFIO_DEVICE_DETACH _IO(PVFIO_TYPE, PVFIO_CMD_DEVICE_DETACH)

/**
 * struct pvfio_access_create - ioctl(PVFIO_ACCESS_CREATE)
 * @size: sizeof(struct pvfio_access_create)
 * @flags: must be 0
 * @ioas_id: IOAS to attach the access to, or 0 to create it detached
 * @iova_alignment: alignment the access needs of every mapping (a power of
 *                  two, at least the page size), 0 for the page size
 * @event_queue_len: unmap events kept for read() before overflowing, 0 for
 *                   the default (64), at most 4096
 * @out_fd: output, the access file descriptor (close-on-exec)
 *
 * Create an access, the consumer an emulated device uses: through the
 * returned file descriptor userspace PINs IOVA ranges of the IOAS, UNPINs
 * them, copies to and from IOVA (RW), ATTACHes, REPLACEs and DETACHes, and
 * read()s unmap events (poll() says when there are some).
 *
 * When an UNMAP of the IOAS, a DETACH or a REPLACE takes away a range the
 * access has pinned, the access revokes (unpins) its pins inside the range
 * and queues a struct pvfio_access_event naming the range and the pin IDs
 * it revoked.  If the queue is full, the events are counted and read()
 * returns a PVFIO_ACCESS_EVENT_OVERFLOW event with the count first.
 *
 * The access is destroyed when its fd is closed; when the context is closed
 * first, the access is destroyed with it and its fd fails with ENODEV.
 *
 * Errors: ENOENT no such IOAS; EINVAL bad alignment or queue length, or a
 * mapping of the IOAS not aligned to @iova_alignment; EOPNOTSUPP non-zero
 * @flags; EMFILE; ENOMEM.
 */
struct pvfio_access_create {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 iova_alignment;
	__u32 event_queue_len;
	__s32 out_fd;
};
#define PVFIO_ACCESS_CREATE _IO(PVFIO_TYPE, PVFIO_CMD_ACCESS_CREATE)

/**
 * enum pvfio_access_flags - flags of PIN and RW
 * @PVFIO_ACCESS_RW_WRITE: PIN: the pages will be written (needs WRITEABLE
 *                         mappings; they are marked dirty on unpin); RW:
 *                         copy from userspace to the IOVA range
 */
enum pvfio_access_flags {
	PVFIO_ACCESS_RW_WRITE = 1 << 0,
};

/**
 * struct pvfio_access_pin - ioctl(PVFIO_ACCESS_PIN) on an access fd
 * @size: sizeof(struct pvfio_access_pin)
 * @flags: enum pvfio_access_flags
 * @iova: first IOVA, page aligned
 * @length: bytes, page aligned, at most 1 GiB
 * @out_pin_id: output, the pin's ID for UNPIN and in events
 * @__reserved: must be 0
 *
 * Pin exactly the pages of the range (those a page table or another pin
 * holds already are shared, not pinned again) and charge them to the
 * process that mapped them, as MAP describes.  When the caller is not the
 * mapping process the pages are pinned from the mapping process's memory;
 * once that process is gone, pages of a user-VA mapping that are not
 * pinned already cannot be pinned (EFAULT).  UNPIN gives back what no one
 * else uses.
 *
 * Errors: ENOENT not attached or the range is not fully mapped; EPERM WRITE
 * on a read-only mapping; EFAULT the memory is not there (or not writable
 * for WRITE), or the mapping process is gone; ENOMEM over the owner's
 * RLIMIT_MEMLOCK; EBUSY an unmap revoking pins in the range or a
 * replace is running; EINVAL bad alignment or length; EOVERFLOW; ENOSPC the
 * access holds 65536 pins already; ENODEV the context is gone.
 */
struct pvfio_access_pin {
	__u32 size;
	__u32 flags;
	__aligned_u64 iova;
	__aligned_u64 length;
	__u32 out_pin_id;
	__u32 __reserved;
};
#define PVFIO_ACCESS_PIN _IO(PVFIO_TYPE, PVFIO_CMD_ACCESS_PIN)

/**
 * struct pvfio_access_unpin - ioctl(PVFIO_ACCESS_UNPIN) on an access fd
 * @size: sizeof(struct pvfio_access_unpin)
 * @pin_id: a pin of this access
 *
 * Errors: ENOENT no such pin (never made, unpinned, or revoked by an unmap);
 * ENODEV the context is gone.
 */
struct pvfio_access_unpin {
	__u32 size;
	__u32 pin_id;
};
#define PVFIO_ACCESS_UNPIN _IO(PVFIO_TYPE, PVFIO_CMD_ACCESS_UNPIN)

/**
 * struct pvfio_access_rw - ioctl(PVFIO_ACCESS_RW) on an access fd
 * @size: sizeof(struct pvfio_access_rw)
 * @flags: enum pvfio_access_flags
 * @iova: first IOVA, any alignment
 * @length: bytes, non-zero, at most 1 MiB
 * @data: user buffer
 *
 * Copy through the CPU between @data and the memory mapped at the IOVA
 * range, as a device would DMA it.  The range needs no pin: pages nothing
 * holds are pinned for the copy and unpinned after it.
 *
 * Errors: ENOENT not attached or not fully mapped; EPERM WRITE into a
 * read-only mapping (nothing is written); EFAULT bad @data, or the memory
 * is not there (as for PIN); ENOMEM as for PIN; EINVAL; EOVERFLOW; ENODEV
 * the context is gone.
 */
struct pvfio_access_rw {
	__u32 size;
	__u32 flags;
	__aligned_u64 iova;
	__aligned_u64 length;
	__aligned_u64 data;
};
#define PVFIO_ACCESS_RW _IO(PVFIO_TYPE, PVFIO_CMD_ACCESS_RW)

/**
 * struct pvfio_access_ioas - ATTACH, REPLACE on an access fd
 * @size: sizeof(struct pvfio_access_ioas)
 * @ioas_id: the IOAS
 *
 * ioctl(PVFIO_ACCESS_ATTACH) attaches a detached access (EBUSY if
 * attached).  ioctl(PVFIO_ACCESS_REPLACE) moves an attached access to
 * @ioas_id: new pins fail while it runs, every pin on the old IOAS is
 * revoked (events name the whole address space: iova 0, length U64_MAX),
 * and on return the old IOAS can be destroyed.  Replacing onto the current
 * IOAS does nothing; if the new IOAS cannot take the access (EINVAL, its
 * mappings are not aligned as the access needs) the access stays usable on
 * the old one.
 *
 * Errors: ENOENT no such IOAS, or REPLACE of a detached access; EBUSY
 * ATTACH while attached, or another ATTACH/REPLACE/DETACH is running;
 * EINVAL; ENODEV the context is gone.
 */
struct pvfio_access_ioas {
	__u32 size;
	__u32 ioas_id;
};
#define PVFIO_ACCESS_ATTACH _IO(PVFIO_TYPE, PVFIO_CMD_ACCESS_ATTACH)
#define PVFIO_ACCESS_REPLACE _IO(PVFIO_TYPE, PVFIO_CMD_ACCESS_REPLACE)

/**
 * struct pvfio_access_detach - ioctl(PVFIO_ACCESS_DETACH) on an access fd
 * @size: sizeof(struct pvfio_access_detach)
 * @__reserved: must be 0
 *
 * Revoke every pin (events name the whole address space) and detach.
 *
 * Errors: ENOENT not attached; EBUSY another ATTACH/REPLACE/DETACH is
 * running; EDEADLOCK pins could not be revoked (test operation); ENODEV.
 */
struct pvfio_access_detach {
	__u32 size;
	__u32 __reserved;
};
#define PVFIO_ACCESS_DETACH _IO(PVFIO_TYPE, PVFIO_CMD_ACCESS_DETACH)

/**
 * enum pvfio_access_event_type - what read() on an access fd returns
 * @PVFIO_ACCESS_EVENT_UNMAP: the range went away; @pin_ids were revoked
 * @PVFIO_ACCESS_EVENT_OVERFLOW: @lost events did not fit in the queue
 */
enum pvfio_access_event_type {
	PVFIO_ACCESS_EVENT_UNMAP = 1,
	PVFIO_ACCESS_EVENT_OVERFLOW = 2,
};

#define PVFIO_ACCESS_EVENT_PINS 8

/**
 * struct pvfio_access_event - one event read() from an access fd
 * @type: enum pvfio_access_event_type
 * @nr_pins: entries used in @pin_ids
 * @iova: first IOVA of the range
 * @length: bytes in the range; U64_MAX with @iova 0 is the whole space
 * @lost: for OVERFLOW, the number of events dropped
 * @pin_ids: pins revoked; a range that revoked more pins comes as several
 *           events
 *
 * read() returns whole events only (EINVAL for a buffer smaller than one),
 * blocks unless O_NONBLOCK (EAGAIN), and returns ENODEV once the context
 * is gone and no event is left.
 */
struct pvfio_access_event {
	__u32 type;
	__u32 nr_pins;
	__aligned_u64 iova;
	__aligned_u64 length;
	__aligned_u64 lost;
	__u32 pin_ids[PVFIO_ACCESS_EVENT_PINS];
};

/*
 * Test operations.  They exist only while the module is loaded with
 * enable_test_ops=1; otherwise PVFIO_TEST fails with ENOTTY like any unknown
 * ioctl.  They are for the project's own test suites and are not a stable
 * interface.
 */
enum pvfio_test_op {
	PVFIO_TEST_OP_STATS = 1,
	PVFIO_TEST_OP_MOCK_DEVICE = 2,
	PVFIO_TEST_OP_CHECK_MAP = 3,
	PVFIO_TEST_OP_CHECK_REFS = 4,
	PVFIO_TEST_OP_ADD_RESERVED = 5,
	PVFIO_TEST_OP_MEMLIMIT = 6,
	PVFIO_TEST_OP_MOCK_MAP_CALLS = 7,
	PVFIO_TEST_OP_ACCESS_KEEP_PINS = 8,
	PVFIO_TEST_OP_FAIL_NTH = 9,
	PVFIO_TEST_OP_HOLD_OBJECT = 10,
	PVFIO_TEST_OP_SET_TEMP_MEMORY_LIMIT = 11,
};

/**
 * struct pvfio_test_stats - output of PVFIO_TEST_OP_STATS
 * @out_contexts: open /dev/pvfio files, module wide (including the caller's)
 * @out_objects: live objects, module wide
 * @out_pinned_pages: pages pinned by pvfio, module wide
 * @out_accesses: live accesses, module wide
 * @out_access_pins: pins accesses hold, module wide
 * @out_user_locked_vm: pages charged to the calling process's user
 *                      (user->locked_vm, by pvfio and anything else that
 *                      charges it, e.g. io_uring)
 */
struct pvfio_test_stats {
	__aligned_u64 out_contexts;
	__aligned_u64 out_objects;
	__aligned_u64 out_pinned_pages;
	__aligned_u64 out_accesses;
	__aligned_u64 out_access_pins;
	__aligned_u64 out_user_locked_vm;
};

/**
 * struct pvfio_test_access_keep_pins - PVFIO_TEST_OP_ACCESS_KEEP_PINS
 * @access_fd: an access fd of the caller
 * @keep_pins: 1: the access keeps its pins when asked to unpin (unmaps of
 *            its pins then fail with EDEADLOCK); 0: back to normal
 */
struct pvfio_test_access_keep_pins {
	__s32 access_fd;
	__u32 keep_pins;
};

/**
 * struct pvfio_test_mock_device - PVFIO_TEST_OP_MOCK_DEVICE
 * @out_device_id: output, ID of the new mock device object
 * @__reserved: must be 0
 *
 * Create a mock device attached to the IOAS @id of the command, with its
 * own mock domain: a page table that records, in memory, every IOVA ->
 * physical page the IOAS maps into it, exactly as a real domain is filled.
 * The mock device holds the IOAS until it is destroyed.
 */
struct pvfio_test_mock_device {
	__u32 out_device_id;
	__u32 __reserved;
};

/**
 * struct pvfio_test_check_map - PVFIO_TEST_OP_CHECK_MAP
 * @iova: start of the IOVA range, in the mock domain of the mock device @id
 * @length: bytes to check
 * @uptr: user buffer that must back the range
 *
 * Succeeds when every page of the range translates, in the mock domain, to
 * exactly the page backing the same offset of @uptr.  ENOENT when an IOVA
 * is not mapped, EINVAL when it maps another page.
 */
struct pvfio_test_check_map {
	__aligned_u64 iova;
	__aligned_u64 length;
	__aligned_u64 uptr;
};

/**
 * struct pvfio_test_mock_map_calls - PVFIO_TEST_OP_MOCK_MAP_CALLS
 * @out_map_calls: map calls the mock domain of mock device @id received
 *
 * Shows how the IOAS fills a domain: one call per physically contiguous
 * run, or one per page with the huge-page option off.
 */
struct pvfio_test_mock_map_calls {
	__aligned_u64 out_map_calls;
};

/**
 * struct pvfio_test_check_refs - PVFIO_TEST_OP_CHECK_REFS
 * @uptr: user buffer
 * @length: bytes
 * @pinned: 1: every page must be DMA-pinned; 0: none may be
 * @__reserved: must be 0
 *
 * EINVAL when a page does not match; EOPNOTSUPP @pinned above 1 or
 * non-zero @__reserved.
 */
struct pvfio_test_check_refs {
	__aligned_u64 uptr;
	__aligned_u64 length;
	__u32 pinned;
	__u32 __reserved;
};

/**
 * struct pvfio_test_add_reserved - PVFIO_TEST_OP_ADD_RESERVED
 * @start: first IOVA
 * @length: bytes
 *
 * Reserve a range of the IOAS @id, as a device's reserved region would:
 * EADDRINUSE if a mapping or an allowed range meets it.
 */
struct pvfio_test_add_reserved {
	__aligned_u64 start;
	__aligned_u64 length;
};

/**
 * struct pvfio_test_memlimit - PVFIO_TEST_OP_MEMLIMIT
 * @limit_pages: pinned-page limit that replaces RLIMIT_MEMLOCK for the
 *               mappings the calling context makes from now on (each
 *               keeps the limit it was made with), and applies even with
 *               CAP_IPC_LOCK (such mappings are then charged in the
 *               context's RLIMIT_MODE); 0 restores the normal rule
 */
struct pvfio_test_memlimit {
	__aligned_u64 limit_pages;
};

/**
 * struct pvfio_test_fail_nth - PVFIO_TEST_OP_FAIL_NTH
 * @nth: make the @nth failure point the calling thread reaches from now on
 *       fail (1 is the next one); 0 stops injecting
 * @__reserved: must be 0
 * @out_reached: failure points the thread reached since the previous
 *               PVFIO_TEST_OP_FAIL_NTH
 * @out_fired: 1 if a failure was injected since then, else 0
 * @__reserved2: must be 0
 * @__reserved2: must be 0
 *
 * A failure point is every place pvfio can fail for a reason outside the
 * caller's arguments: each allocation, page pin, IOMMU map and attach, file
 * lookup, and copy to or from user memory.  An injected failure returns
 * what the real one would (ENOMEM, EFAULT, EBADF, ...).  The setting
 * belongs to the calling thread and to the file it was made on: closing
 * that file ends it.  The operation itself is not a failure point.
 */
struct pvfio_test_fail_nth {
	__u32 nth;
	__u32 __reserved;
	__aligned_u64 out_reached;
	__u32 out_fired;
	__u32 __reserved2;
};

/**
 * struct pvfio_test_hold_object - PVFIO_TEST_OP_HOLD_OBJECT
 * @ms: how long to use the object @id names, at most 10000; a signal ends
 *      it early
 * @__reserved: must be 0
 *
 * Looks the object up and keeps using it (a short-term reference, as any
 * ioctl in flight holds) for @ms milliseconds: a stand-in for an ioctl
 * that blocks on user memory, to test what DESTROY does meanwhile.
 */
struct pvfio_test_hold_object {
	__u32 ms;
	__u32 __reserved;
};

/**
 * struct pvfio_test_temp_memory_limit - PVFIO_TEST_OP_SET_TEMP_MEMORY_LIMIT
 * @limit: bytes of temporary memory one pinning or unpinning batch may
 *         use, module wide; 0 restores the default (65536)
 * @__reserved: must be 0
 *
 * Like iommufd's SET_TEMP_MEMORY_LIMIT: a small limit makes every batch
 * boundary (pin, map, unmap and unpin) happen after a few pages, so tests
 * reach them with small buffers.  A batch always holds at least one page.
 */
struct pvfio_test_temp_memory_limit {
	__u32 limit;
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
 * @check_map: PVFIO_TEST_OP_CHECK_MAP
 * @check_refs: PVFIO_TEST_OP_CHECK_REFS
 * @add_reserved: PVFIO_TEST_OP_ADD_RESERVED
 * @memlimit: PVFIO_TEST_OP_MEMLIMIT
 * @mock_map_calls: PVFIO_TEST_OP_MOCK_MAP_CALLS
 * @access_keep_pins: PVFIO_TEST_OP_ACCESS_KEEP_PINS
 * @fail_nth: PVFIO_TEST_OP_FAIL_NTH
 * @hold_object: PVFIO_TEST_OP_HOLD_OBJECT
 * @temp_memory_limit: PVFIO_TEST_OP_SET_TEMP_MEMORY_LIMIT
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
		struct pvfio_test_check_map check_map;
		struct pvfio_test_check_refs check_refs;
		struct pvfio_test_add_reserved add_reserved;
		struct pvfio_test_memlimit memlimit;
		struct pvfio_test_mock_map_calls mock_map_calls;
		struct pvfio_test_access_keep_pins access_keep_pins;
		struct pvfio_test_fail_nth fail_nth;
		struct pvfio_test_hold_object hold_object;
		struct pvfio_test_temp_memory_limit temp_memory_limit;
		__u8 __union_size[64];
	};
};
#define PVFIO_TEST _IO(PVFIO_TYPE, PVFIO_CMD_TEST)

#endif /* _UAPI_PVFIO_H */
