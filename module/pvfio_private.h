/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvfio private definitions: the object model, the context, the IOAS and the
 * IOVA space.  Nothing here is visible to other modules; include/pvfio.h is
 * the in-kernel API and uapi/pvfio.h the userspace one.
 *
 * Lock order, outermost first:
 *
 *   device_lock(&pdev->dev)             (driver core, held around remove)
 *     pvfio_pci_dev.lock                (a device's binding and attachment)
 *       pvfio_ifd_idev.lock              (a mock device's attachment,
 *                                         the iommufd node, ifd_test.c)
 *         pvfio_ioas.auto_lock           (its automatic page table)
 *       pvfio_hwpt.lock                  (a page table's attached groups)
 *         pvfio_iopt.iova_rwsem
 *       pvfio_access.lock                (see access.c for its part)
 *         pvfio_ioas.access_lock
 *       pvfio_iopt.domains_rwsem         (one IOAS's domain list)
 *         pvfio_iopt.iova_rwsem          (one IOAS: areas, domains, ranges)
 *           pvfio_pages.mutex            (what of a mapping's memory is
 *                                         pinned, and by whom)
 *             mm->mmap_lock              (pinning, charging)
 *           pvfio_dirty.lock             (the IOAS's dirty record; only
 *                                         allocation and, for a read,
 *                                         access pins_locks inside)
 *           pvfio_ctx.objects xa_lock    (spinlock, a leaf)
 *
 * A MAP or COPY places its areas under iova_rwsem, then pins and maps them
 * holding only domains_rwsem (read) and the pages' mutex, so that MAPs run
 * in parallel; a domain is added or removed with both rwsems held for
 * write.  The domain list is stable under either.
 * When two IOASes are involved (COPY) only one iova_rwsem is held at a
 * time; one pages' mutex is held at a time.
 *
 * Accesses (access.c, uaccess.c) add, outermost first:
 *
 *   pvfio_uaccess.rwsem        (an access fd's ioctls vs its destruction)
 *     pvfio_uaccess.lock       (its pins and events; the unmap callback)
 *       pvfio_access.lock
 *         pvfio_ioas.access_lock
 *           pvfio_iopt.iova_rwsem
 *             pvfio_dirty.lock       (dirty.c: a read holds the three
 *                                     above it, then pins_locks)
 *               pvfio_access.pins_lock (spinlock, a leaf)
 *
 * pvfio_ctx.accesses_lock is only ever taken alone, or (debugfs.c) around
 * pvfio_access.pins_lock.  No pvfio lock is held while an access's unmap
 * callback runs.
 *
 * The object table's xa_lock is a leaf: it is only held to look up, publish
 * or unpublish an object and to take or drop its table reference.
 */
#ifndef PVFIO_PRIVATE_H
#define PVFIO_PRIVATE_H

#include <linux/interval_tree.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/rwsem.h>
#include <linux/slab.h>
#include <linux/types.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <linux/xarray.h>

#include "../uapi/pvfio.h"

struct dentry;
struct file;
struct inode;
struct pvfio_ctx;
struct pvfio_uaccess;
struct seq_file;

enum pvfio_object_type {
	PVFIO_OBJ_NONE,
	PVFIO_OBJ_ANY = PVFIO_OBJ_NONE,
	PVFIO_OBJ_IOAS,
	PVFIO_OBJ_HWPT,
	PVFIO_OBJ_DEVICE,
	PVFIO_OBJ_MOCK_DEVICE,
	PVFIO_OBJ_IFD_DEVICE,
	PVFIO_OBJ_IFD_SELFTEST,
	PVFIO_OBJ_MAX,
};

/**
 * struct pvfio_object - header every object of a context starts with
 * @users: long-term references: one for the ID table plus one for every
 *         object or attachment that depends on this one (a device attached
 *         to a page table, a page table on an IOAS, an access attached to
 *         an IOAS).  DESTROY succeeds only when the table's is the last.
 * @shortterm_users: one while the object is published plus one for every
 *                   ioctl or kernel call using it right now.  It never
 *                   makes DESTROY fail: DESTROY waits for these to finish.
 * @type: what the object is
 * @id: the ID userspace knows it by, private to its context
 *
 * Creation is two-phase: pvfio_object_alloc() reserves an ID that nobody can
 * look up yet; pvfio_object_finalize() publishes the object once nothing can
 * fail any more, or pvfio_object_abort() releases it.
 *
 * A lookup (pvfio_object_get()) takes a short-term reference; a dependent
 * object turns it into a long-term one with pvfio_object_hold(), which
 * fails once the object is being destroyed.  Like iommufd's users and
 * shortterm_users, except that a lookup does not raise @users: an ioctl in
 * flight makes DESTROY wait (killably), never fail with EBUSY.
 */
struct pvfio_object {
	refcount_t users;
	refcount_t shortterm_users;
	enum pvfio_object_type type;
	u32 id;
};

/**
 * struct pvfio_ctx - one open of /dev/pvfio
 * @file: the file this context lives in
 * @objects: ID -> struct pvfio_object; a reserved, unpublished ID holds
 *           XA_ZERO_ENTRY so lookups do not see it
 * @test_memlimit: PVFIO_TEST_OP_MEMLIMIT's pinned-page limit, 0 if unset
 * @account_mode: enum pvfio_account_mode for new mappings
 * @accesses_lock: protects @accesses
 * @accesses: the context's accesses (struct pvfio_access.ctx_item); they are
 *            not in @objects: their creator owns them
 * @debugfs: its directory under /sys/kernel/debug/pvfio (debugfs.c)
 * @ifd: an open of /dev/pvfio-iommufd, speaking iommufd's ABI (ifd.c)
 */
struct pvfio_ctx {
	struct file *file;
	struct xarray objects;
	unsigned long test_memlimit;
	u8 account_mode;
	struct mutex accesses_lock;	/* protects @accesses */
	struct list_head accesses;
	struct dentry *debugfs;
	bool ifd;
};

/**
 * struct pvfio_ucmd - one ioctl in flight
 * @ctx: the context the ioctl runs on
 * @uaccess: for a command on an access fd, its state; NULL otherwise
 * @ubuffer: userspace address of the command struct
 * @user_size: the size userspace claimed in the struct's first field
 * @cmd: the kernel's copy of the struct, at least the kernel's size, with
 *       anything userspace did not pass zeroed
 */
struct pvfio_ucmd {
	struct pvfio_ctx *ctx;
	struct pvfio_uaccess *uaccess;
	void __user *ubuffer;
	u32 user_size;
	void *cmd;
};

/**
 * struct pvfio_ioctl_op - how a dispatcher handles one command
 * @size: the kernel's size of the command struct
 * @min_size: offsetofend() of its last mandatory field
 * @ioctl_num: the full ioctl number
 * @test_only: exists only with enable_test_ops=1
 * @on_access: a command of access fds, not of /dev/pvfio
 * @execute: the handler
 */
struct pvfio_ioctl_op {
	unsigned int size;
	unsigned int min_size;
	unsigned int ioctl_num;
	bool test_only;
	bool on_access;
	int (*execute)(struct pvfio_ucmd *ucmd);
};

/* The largest size a command struct may claim, whatever its tail holds. */
#define PVFIO_CMD_SIZE_MAX 4096

int pvfio_ucmd_respond(struct pvfio_ucmd *ucmd, size_t cmd_len);
long pvfio_ucmd_run(struct pvfio_ucmd *ucmd, const struct pvfio_ioctl_op *op);
int pvfio_ctx_open(struct inode *inode, struct file *filp, bool ifd);
int pvfio_ctx_release(struct inode *inode, struct file *filp);
int pvfio_destroy(struct pvfio_ucmd *ucmd);

/* The iommufd front end, ifd.c and ifd_test.c */
int pvfio_ifd_register(umode_t mode);
void pvfio_ifd_unregister(void);
bool pvfio_ifd_file(struct file *file);
int pvfio_ifd_hwpt_alloc(struct pvfio_ucmd *ucmd);
int pvfio_ifd_get_hw_info(struct pvfio_ucmd *ucmd);
int pvfio_ifd_test(struct pvfio_ucmd *ucmd);
void pvfio_ifd_idev_destroy(struct pvfio_object *obj);
void pvfio_ifd_stdev_destroy(struct pvfio_object *obj);
long pvfio_ioctl_dispatch(struct pvfio_ctx *ctx, struct pvfio_uaccess *uaccess,
			  unsigned int cmd, unsigned long arg);

/* Object table, main.c */
struct pvfio_object *pvfio_object_alloc(struct pvfio_ctx *ctx, size_t size,
					enum pvfio_object_type type);
void pvfio_object_abort(struct pvfio_ctx *ctx, struct pvfio_object *obj);
void pvfio_object_finalize(struct pvfio_ctx *ctx, struct pvfio_object *obj);
int pvfio_object_remove(struct pvfio_ctx *ctx, u32 id);
void pvfio_object_unhold_remove(struct pvfio_ctx *ctx,
				struct pvfio_object *obj);
struct pvfio_object *pvfio_object_get(struct pvfio_ctx *ctx, u32 id,
				      enum pvfio_object_type type);

void pvfio_object_put(struct pvfio_object *obj);

/**
 * pvfio_object_hold() - take a long-term reference on an object in use
 * @obj: an object the caller holds a short- or long-term reference on
 *
 * Used by objects that depend on another one (a device attached to a page
 * table), which DESTROY then refuses with -EBUSY.  Drop with
 * pvfio_object_unhold().
 *
 * Return: false if @obj is already being destroyed (treat as -ENOENT).
 */
static inline bool __must_check pvfio_object_hold(struct pvfio_object *obj)
{
	return refcount_inc_not_zero(&obj->users);
}

/**
 * pvfio_object_unhold() - drop a reference from pvfio_object_hold()
 * @obj: the object
 *
 * The ID table holds the last long-term reference, so this never frees.
 */
static inline void pvfio_object_unhold(struct pvfio_object *obj)
{
	WARN_ON(refcount_dec_and_test(&obj->users));
}

/**
 * pvfio_object_use() - take a short-term reference from a long-term one
 * @obj: an object the caller holds a long-term reference on
 *
 * For a kernel call that works on an object another thread may let go of
 * meanwhile (an access's IOAS during a replace).  Drop with
 * pvfio_object_put(); DESTROY waits for it.
 */
static inline void pvfio_object_use(struct pvfio_object *obj)
{
	refcount_inc(&obj->shortterm_users);
}

/* Module-wide counters, for the test operations and the unload checks. */
extern atomic64_t pvfio_nr_contexts;
extern atomic64_t pvfio_nr_objects;
extern atomic64_t pvfio_nr_pinned_pages;
extern atomic64_t pvfio_nr_accesses;
extern atomic64_t pvfio_nr_access_pins;

/*
 * The IOVA space of an IOAS, io_pagetable.c.
 */

/**
 * enum pvfio_account_mode - where pinned pages are charged
 * @PVFIO_ACCOUNT_NONE: nowhere (the mapper had CAP_IPC_LOCK)
 * @PVFIO_ACCOUNT_USER: the mapper's user->locked_vm (iommufd's default)
 * @PVFIO_ACCOUNT_MM: the mapper's mm->locked_vm (VFIO type1's model)
 */
enum pvfio_account_mode {
	PVFIO_ACCOUNT_NONE,
	PVFIO_ACCOUNT_USER,
	PVFIO_ACCOUNT_MM,
};

/**
 * struct pvfio_pages_owner - the process a mapping's pins are charged to
 * @mm: its mm (mmgrab()ed); for user-VA pages also where they are pinned
 *      from; its pinned_vm counts the pins in every mode
 * @task: its thread-group leader (a reference), whose RLIMIT_MEMLOCK limits
 * @user: its user (a reference)
 * @account_mode: enum pvfio_account_mode
 * @limit_override: PVFIO_TEST_OP_MEMLIMIT's limit when mapped, or 0
 */
struct pvfio_pages_owner {
	struct mm_struct *mm;
	struct task_struct *task;
	struct user_struct *user;
	u8 account_mode;
	unsigned long limit_override;
};

void pvfio_owner_init(struct pvfio_pages_owner *o, struct pvfio_ctx *ctx);
void pvfio_owner_put(struct pvfio_pages_owner *o);

/**
 * struct pvfio_pages - the memory behind mappings, pinned on demand
 * @kref: one reference per area using the pages (an access pin holds its
 *        areas, and so the pages)
 * @mutex: protects everything below but the constant fields
 * @owner: who is charged
 * @file: for MAP_FILE, the file (a reference); NULL for user memory
 * @uptr: page-aligned user address (the file offset for MAP_FILE) of page
 *        0: also the hint for a kernel-chosen IOVA
 * @npages: number of pages
 * @writable: pinned for write; dirtied on unpin
 * @npinned: pages pinned (and charged) now
 * @domains_itree: areas (pvfio_area.pages_node, page indexes) in a domain,
 *                 whose storage domain holds their pfns
 * @access_itree: access pins (page indexes)
 * @pinned_pfns: index -> xa_mk_value(pfn) of every page an access pin
 *               covers
 * @change_gen: the last CHANGE_PROCESS that saw these pages (ioas.c)
 */
struct pvfio_pages {
	struct kref kref;
	struct mutex mutex;	/* pins, trees, @pinned_pfns, @owner */
	struct pvfio_pages_owner owner;
	struct file *file;
	unsigned long uptr;
	unsigned long npages;
	bool writable;
	unsigned long npinned;
	struct rb_root_cached domains_itree;
	struct rb_root_cached access_itree;
	struct xarray pinned_pfns;
	u64 change_gen;
};

struct pvfio_pages *pvfio_pages_create(unsigned long uptr,
				       unsigned long length, bool writable,
				       struct pvfio_ctx *ctx);
struct pvfio_pages *pvfio_pages_create_file(struct file *file, u64 start,
					    unsigned long length,
					    bool writable,
					    struct pvfio_ctx *ctx);
void pvfio_pages_put(struct pvfio_pages *pages);
int pvfio_pages_swap_owner(struct pvfio_pages *pages,
			   struct pvfio_pages_owner *o, bool force);
int pvfio_pages_access_pin(struct pvfio_pages *pages, unsigned long start,
			   unsigned long last, struct page **out, bool write);
void pvfio_pages_access_unpin(struct pvfio_pages *pages, unsigned long start,
			      unsigned long last, bool dirty);
int pvfio_pages_rw(struct pvfio_pages *pages, unsigned long offset,
		   char *data, size_t length, bool write);
void pvfio_set_temp_memory_limit(unsigned int limit);

/**
 * struct pvfio_mock_domain - a page table kept in memory (test operations)
 * @pfns: IOVA >> @shift -> one IOPTE per IO page, encoded in selftest.c
 *        (physical address, prot, dirty, part of a huge IOPTE)
 * @map_calls: map calls received (MAPs fill domains in parallel)
 * @shift: log2 of its smallest IO page: PAGE_SHIFT for /dev/pvfio's mock,
 *         11 (2 KiB) for the iommufd front end's default mock, as 7.2's
 * @huge_shift: log2 of the huge IOPTE a map gets where IOVA, physical
 *              address and length allow it (the iommufd node's "huge"
 *              type: 1 MiB); 0 for none
 * @aperture_start: first IOVA it translates
 * @aperture_last: last IOVA it translates
 * @dirty_ops: dirty tracking can be switched on (the iommufd node's
 *             HWPT_ALLOC_DIRTY_TRACKING)
 * @dirty_tracking: it is on: IOPTEs may be marked dirty (TEST_OP_DIRTY)
 *                  and read (GET_DIRTY_BITMAP)
 */
struct pvfio_mock_domain {
	struct xarray pfns;
	atomic64_t map_calls;
	unsigned int shift;
	unsigned int huge_shift;
	unsigned long aperture_start;
	unsigned long aperture_last;
	bool dirty_ops;
	bool dirty_tracking;
};

void pvfio_mock_domain_init(struct pvfio_mock_domain *mock,
			    unsigned int shift, unsigned long aperture_start,
			    unsigned long aperture_last);
void pvfio_mock_domain_destroy(struct pvfio_mock_domain *mock);

/* Dirty IOPTEs of mock page tables, selftest.c; their ioctls, ifd_test.c */
struct pvfio_bitmap;
bool pvfio_mock_set_dirty(struct pvfio_mock_domain *mock, unsigned long iova);
void pvfio_mock_read_dirty(struct pvfio_mock_domain *mock,
			   struct pvfio_bitmap *bm, bool clear);
void pvfio_mock_clear_dirty(struct pvfio_mock_domain *mock);
int pvfio_ifd_hwpt_set_dirty_tracking(struct pvfio_ucmd *ucmd);
int pvfio_ifd_hwpt_get_dirty_bitmap(struct pvfio_ucmd *ucmd);

/**
 * struct pvfio_domain - a page table an IOAS keeps filled
 * @item: in pvfio_iopt.domains
 * @domain: a real iommu_domain, or NULL for a mock
 * @mock: the mock domain (test operations), or NULL
 * @owner: cookie of the reserved ranges the domain added
 * @hwpt: the page table object it belongs to; NULL for /dev/pvfio's mock
 *        devices, whose domains are no objects
 * @added: on the IOAS's list and filled; under pvfio_iopt.iova_rwsem
 * @kept: removed, but its ranges and alignment kept in force (on
 *        pvfio_iopt.kept_domains); under pvfio_iopt.iova_rwsem
 */
struct pvfio_domain {
	struct list_head item;
	struct iommu_domain *domain;
	struct pvfio_mock_domain *mock;
	void *owner;
	struct pvfio_hwpt *hwpt;
	bool added;
	bool kept;
};

/**
 * struct pvfio_area - one mapping of an IOAS
 * @node: its IOVA range in pvfio_iopt.area_itree
 * @pages: the memory it maps (a reference)
 * @page_offset: byte offset in @pages (from its @uptr) of @node.start
 * @pages_node: its page indexes in @pages->domains_itree while it is in a
 *              domain
 * @storage: the domain its pfns are read from while it is in one;
 *           changed under @pages->mutex
 * @prot: IOMMU_READ and/or IOMMU_WRITE
 * @unpin_item: queues an unmapped area until the IOTLBs are synced
 * @filling: placed by a MAP or COPY that is still mapping it into the
 *           domains: everything else treats it as not there yet (UNMAP
 *           waits for it); under pvfio_iopt.iova_rwsem
 * @num_accesses: access pins overlapping the area; changed with
 *                pvfio_iopt.iova_rwsem held for read, so an UNMAP holding
 *                it for write sees a stable count
 * @prevent_access: an UNMAP is revoking access pins here: new pins fail
 */
struct pvfio_area {
	struct interval_tree_node node;
	struct pvfio_pages *pages;
	unsigned long page_offset;
	struct interval_tree_node pages_node;
	struct pvfio_domain *storage;
	int prot;
	struct list_head unpin_item;
	bool filling;
	atomic_t num_accesses;
	bool prevent_access;
};

/**
 * struct pvfio_bitmap - writes a user's dirty bitmap a chunk at a time
 * @data: user address of the bitmap
 * @iova: IOVA of its bit 0
 * @last: last IOVA it covers
 * @pgshift: log2 of the bytes one bit stands for
 * @buf: the current chunk's bits (one page of them)
 * @pess: a second page of bits, for a caller's own use (dirty.c: the
 *        chunk's pessimistic bits)
 * @pages: the user pages of the chunk's part of the bitmap, while pinned
 * @npages: how many of @pages are pinned
 * @chunk_iova: IOVA of the chunk's bit 0
 * @chunk_last: last IOVA the chunk covers
 * @chunk_nbits: bits in the chunk
 * @next: where the next chunk may start, from pvfio_bitmap_skip_to()
 * @started: pvfio_bitmap_next_chunk() was called
 * @done: pvfio_bitmap_skip_to() found nothing after the current chunk
 *
 * Usage: pvfio_bitmap_init(); while (pvfio_bitmap_next_chunk()) {
 * pvfio_bitmap_pin(); set the chunk's bits with pvfio_bitmap_set() (and
 * only now forget what they report); pvfio_bitmap_flush();
 * pvfio_bitmap_unpin(); }; pvfio_bitmap_destroy().
 */
struct pvfio_bitmap {
	u64 data;
	unsigned long iova;
	unsigned long last;
	unsigned int pgshift;
	unsigned long *buf;
	unsigned long *pess;
	struct page *pages[2];
	unsigned int npages;
	unsigned long chunk_iova;
	unsigned long chunk_last;
	unsigned long chunk_nbits;
	unsigned long next;
	bool started;
	bool done;
};

int pvfio_bitmap_init(struct pvfio_bitmap *bm, u64 data, u64 iova,
		      u64 length, u64 page_size, unsigned long min_page_size);
void pvfio_bitmap_destroy(struct pvfio_bitmap *bm);
bool pvfio_bitmap_next_chunk(struct pvfio_bitmap *bm);
void pvfio_bitmap_set(struct pvfio_bitmap *bm, unsigned long start,
		      unsigned long last);
void pvfio_bitmap_skip_to(struct pvfio_bitmap *bm, unsigned long iova,
			  bool none);
int pvfio_bitmap_pin(struct pvfio_bitmap *bm);
void pvfio_bitmap_unpin(struct pvfio_bitmap *bm);
void pvfio_bitmap_flush(struct pvfio_bitmap *bm);

/**
 * struct pvfio_dirty - an IOAS's record of written pages (dirty.c)
 * @lock: protects everything below; inside pvfio_iopt.iova_rwsem
 * @tracking: SET_DIRTY_TRACKING enabled it
 * @lost: a record could not be stored (no memory): every writeable
 *        mapping reads as dirty, pessimistically, until tracking restarts
 * @bits: exact records: IOVA >> (PAGE_SHIFT + PVFIO_DIRTY_GROUP_SHIFT) ->
 *        xa_mk_value() of PVFIO_DIRTY_GROUP bits, one per page
 * @ranges: pessimistic records: page-aligned IOVA ranges, disjoint and
 *          merged (struct pvfio_dirty_range)
 */
struct pvfio_dirty {
	struct mutex lock;	/* protects the fields below */
	bool tracking;
	bool lost;
	struct xarray bits;
	struct rb_root_cached ranges;
};

/**
 * struct pvfio_iopt - IOVA space of an IOAS
 * @domains_rwsem: held for read while areas are mapped into the domains
 *                 without @iova_rwsem, for write (with @iova_rwsem) to
 *                 change @domains
 * @fill_wq: woken when MAPs finish filling areas
 * @fill_seq: counts those completions, under @iova_rwsem
 * @iova_rwsem: protects everything below
 * @area_itree: the mappings (struct pvfio_area)
 * @allowed_itree: ranges ALLOW_IOVAS permits; empty means all of them
 * @reserved_itree: ranges nothing may be mapped at (struct pvfio_reserved)
 * @domains: page tables kept filled from @area_itree (struct pvfio_domain);
 *           the first holds the pfns of the pinned pages
 * @kept_domains: page tables removed whose reserved ranges and alignment
 *                stay in force until released (a replace that may fail)
 * @iova_alignment: alignment every mapping's IOVA and length must have:
 *                  1 with no domain and no access, else the largest of
 *                  PAGE_SIZE, the domains' smallest page size and
 *                  @access_alignment
 * @access_alignment: the largest alignment an attached access needs
 * @huge_pages: map contiguous runs with one call (PVFIO_OPTION_HUGE_PAGES)
 * @dirty: pages written while dirty tracking is on (dirty.c)
 */
struct pvfio_iopt {
	struct rw_semaphore domains_rwsem;
	wait_queue_head_t fill_wq;
	unsigned long fill_seq;
	struct rw_semaphore iova_rwsem;
	struct rb_root_cached area_itree;
	struct rb_root_cached allowed_itree;
	struct rb_root_cached reserved_itree;
	struct list_head domains;
	struct list_head kept_domains;
	unsigned long iova_alignment;
	unsigned long access_alignment;
	bool huge_pages;
	struct pvfio_dirty dirty;
};

/**
 * struct pvfio_reserved - a reserved IOVA range
 * @node: in pvfio_iopt.reserved_itree
 * @owner: who reserved it, so that it can remove exactly its own ranges
 */
struct pvfio_reserved {
	struct interval_tree_node node;
	void *owner;
};

void pvfio_iopt_init(struct pvfio_iopt *iopt);
void pvfio_iopt_destroy(struct pvfio_iopt *iopt);
int pvfio_iopt_reserve(struct pvfio_iopt *iopt, unsigned long start,
		       unsigned long last, void *owner);
void pvfio_iopt_remove_reserved(struct pvfio_iopt *iopt, void *owner);
int pvfio_iopt_fill_ranges(struct pvfio_iopt *iopt,
			   struct pvfio_iova_range __user *uranges,
			   u32 *num_ranges);
int pvfio_iopt_map_pages(struct pvfio_iopt *iopt, struct pvfio_pages *pages,
			 unsigned long offset, unsigned long length,
			 unsigned long *iova, int prot, bool fixed);
unsigned long pvfio_domain_min_pgsize(struct pvfio_domain *dom);
int pvfio_domain_map(struct pvfio_domain *dom, unsigned long iova,
		     phys_addr_t paddr, size_t size, int prot);
void pvfio_domain_unmap_sync(struct pvfio_domain *dom, unsigned long iova,
			     size_t size);
int pvfio_area_fill_first_domain(struct pvfio_iopt *iopt,
				 struct pvfio_area *area,
				 struct pvfio_domain *dom);
int pvfio_area_fill_domain(struct pvfio_iopt *iopt, struct pvfio_area *area,
			   struct pvfio_domain *dom);
void pvfio_area_unfill_storage(struct pvfio_iopt *iopt,
			       struct pvfio_area *area);
void pvfio_area_set_storage(struct pvfio_area *area, struct pvfio_domain *dom);
int pvfio_iopt_unmap(struct pvfio_iopt *iopt, unsigned long iova,
		     unsigned long last, unsigned long *unmapped,
		     bool keep_dirty);
int pvfio_iopt_copy(struct pvfio_iopt *dst, struct pvfio_iopt *src,
		    unsigned long src_iova, unsigned long length,
		    unsigned long *dst_iova, int prot, bool fixed);
int pvfio_iopt_set_allowed(struct pvfio_iopt *iopt,
			   struct pvfio_iova_range *ranges, u32 num);
int pvfio_iopt_reserve_regions(struct pvfio_iopt *iopt,
			       struct list_head *resv_regions, void *owner);
int pvfio_iopt_add_domain(struct pvfio_iopt *iopt, struct pvfio_domain *dom);
void pvfio_iopt_remove_domain(struct pvfio_iopt *iopt,
			      struct pvfio_domain *dom, bool keep_ranges);
void pvfio_iopt_release_domain_ranges(struct pvfio_iopt *iopt,
				      struct pvfio_domain *dom);
int pvfio_iopt_set_huge_pages(struct pvfio_iopt *iopt, bool on);
void pvfio_iopt_allow_access(struct pvfio_iopt *iopt, unsigned long iova,
			     unsigned long last);
int pvfio_iopt_set_access_alignment(struct pvfio_iopt *iopt,
				    unsigned long align);
int pvfio_iopt_access_pin(struct pvfio_iopt *iopt, unsigned long iova,
			  unsigned long last, struct page **out_pages,
			  bool write);
void pvfio_iopt_access_unpin(struct pvfio_iopt *iopt, unsigned long iova,
			     unsigned long last, bool dirty);
int pvfio_iopt_rw(struct pvfio_iopt *iopt, unsigned long iova, void *data,
		  size_t length, bool write);

/*
 * IOAS, ioas.c
 */

/**
 * struct pvfio_ioas - an I/O address space object
 * @obj: object header
 * @iopt: its IOVA space
 * @access_lock: protects @accesses
 * @accesses: the accesses attached (during a replace, also the accesses
 *            leaving), struct pvfio_access
 * @auto_lock: makes finding, or else making, and attaching the automatic
 *             mock page table of the iommufd node one step (ifd_test.c)
 */
struct pvfio_ioas {
	struct pvfio_object obj;
	struct pvfio_iopt iopt;
	struct mutex access_lock;	/* protects @accesses */
	struct xarray accesses;
	struct mutex auto_lock;		/* automatic mock page tables */
};

/**
 * struct pvfio_access - an access object (access.c)
 * @ctx: its context
 * @ops: the consumer's callbacks
 * @data: the consumer's cookie
 * @iova_alignment: what the consumer needs of mappings
 * @user: driven by userspace through an access fd: its misbehaviour is
 *        not a kernel bug and earns no WARN
 * @warned: the one WARN for keeping pins was given
 * @ctx_item: in pvfio_ctx.accesses
 * @lock: protects @ioas, @ioas_index, @busy and pin creation
 * @ioas: the IOAS attached to, held; NULL when detached
 * @ioas_index: its index in @ioas->accesses
 * @busy: an attach, detach, replace or destroy is running
 * @pins_lock: protects @pins
 * @pins: struct pvfio_pin_rec by IOVA
 * @notifying: unmap callbacks running
 * @wq: woken when @notifying drops to zero
 */
struct pvfio_access {
	struct pvfio_ctx *ctx;
	const struct pvfio_access_ops *ops;
	void *data;
	unsigned long iova_alignment;
	bool user;
	bool warned;
	struct list_head ctx_item;
	struct mutex lock;	/* @ioas, @ioas_index, @busy, pin creation */
	struct pvfio_ioas *ioas;
	u32 ioas_index;
	bool busy;
	spinlock_t pins_lock;	/* protects @pins */
	struct rb_root_cached pins;
	atomic_t notifying;
	wait_queue_head_t wq;
};

void pvfio_ioas_notify_accesses(struct pvfio_ioas *ioas, unsigned long iova,
				unsigned long last, bool final);
int pvfio_ioas_unmap_range(struct pvfio_ioas *ioas, unsigned long iova,
			   unsigned long last, unsigned long *unmapped,
			   bool keep_dirty);

/* The IOAS's dirty tracker, dirty.c */
void pvfio_dirty_init(struct pvfio_dirty *dirty);
void pvfio_dirty_destroy(struct pvfio_dirty *dirty);
void pvfio_dirty_record(struct pvfio_iopt *iopt, unsigned long start,
			unsigned long last, bool pessimistic);
void pvfio_dirty_forget(struct pvfio_iopt *iopt, unsigned long start,
			unsigned long last);
void pvfio_dirty_area_gone(struct pvfio_iopt *iopt, struct pvfio_area *area,
			   bool keep);
void pvfio_dirty_domains_gone(struct pvfio_iopt *iopt);
int pvfio_ioas_set_dirty_tracking(struct pvfio_ucmd *ucmd);
int pvfio_ioas_get_dirty_bitmap(struct pvfio_ucmd *ucmd);
int pvfio_ioas_read_dirty(struct pvfio_ioas *ioas, struct pvfio_bitmap *bm,
			  bool clear, struct pvfio_iova_range __user *uranges,
			  u32 *num_ranges);
void pvfio_access_write_pins(struct pvfio_access *access,
			     struct pvfio_ioas *ioas, unsigned long start,
			     unsigned long last, struct pvfio_bitmap *bm,
			     unsigned long *first);

static inline struct pvfio_ioas *pvfio_get_ioas(struct pvfio_ctx *ctx, u32 id)
{
	struct pvfio_object *obj = pvfio_object_get(ctx, id, PVFIO_OBJ_IOAS);

	if (IS_ERR(obj))
		return ERR_CAST(obj);
	return container_of(obj, struct pvfio_ioas, obj);
}

struct pvfio_ioas *pvfio_ioas_next(struct pvfio_ctx *ctx, unsigned long *index);
int pvfio_ioas_alloc_ioctl(struct pvfio_ucmd *ucmd);
int pvfio_ioas_change_process(struct pvfio_ucmd *ucmd);
int pvfio_ioas_iova_ranges(struct pvfio_ucmd *ucmd);
int pvfio_ioas_map(struct pvfio_ucmd *ucmd);
int pvfio_ioas_map_file(struct pvfio_ucmd *ucmd);
int pvfio_ioas_unmap(struct pvfio_ucmd *ucmd);
int pvfio_ioas_copy(struct pvfio_ucmd *ucmd);
int pvfio_ioas_allow_iovas(struct pvfio_ucmd *ucmd);
int pvfio_option(struct pvfio_ucmd *ucmd);
void pvfio_ioas_destroy(struct pvfio_object *obj);

/*
 * HW page tables, hw_pagetable.c, and devices, device.c
 */

/**
 * struct pvfio_hwpt - a hardware page table object
 * @obj: object header
 * @ioas: the IOAS it mirrors, held
 * @dom: its iommu_domain; on @ioas's domain list, and filled, exactly while
 *       a device is attached to it.  It is filled after the first device
 *       attached (some IOMMU drivers, e.g. SMMUv3 on 6.1 and virtio-iommu
 *       on 6.12, cannot map into a domain no device was ever attached to)
 *       and emptied and taken off the list before the last device detaches
 *       (VT-d on 6.1 cannot map, unmap or flush a domain with no device).
 * @auto_domain: allocated by DEVICE_ATTACH to an IOAS, destroyed with its
 *               last device
 * @lock: protects @num_devices and the attach/detach of device groups
 * @num_devices: groups attached to @dom.domain
 */
struct pvfio_hwpt {
	struct pvfio_object obj;
	struct pvfio_ioas *ioas;
	struct pvfio_domain dom;
	bool auto_domain;
	struct mutex lock;	/* protects @num_devices, group attachment */
	unsigned int num_devices;
};

struct iommu_domain *pvfio_paging_domain_alloc(struct device *dev);
int pvfio_hwpt_attach_group(struct pvfio_hwpt *hwpt,
			    struct iommu_group *group);
void pvfio_hwpt_detach_group(struct pvfio_hwpt *hwpt,
			     struct iommu_group *group, bool keep_ranges);
void pvfio_hwpt_release_ranges(struct pvfio_hwpt *hwpt);

struct pvfio_pci_dev;

/**
 * struct pvfio_device - a PCI device bound to a context
 * @obj: object header
 * @ctx: the context, for destroying automatic page tables
 * @pvdev: the pvfio-pci driver's state for the device (a reference)
 * @hwpt: the page table it is attached to, held; NULL when detached.
 *        Protected by @pvdev->lock.
 */
struct pvfio_device {
	struct pvfio_object obj;
	struct pvfio_ctx *ctx;
	struct pvfio_pci_dev *pvdev;
	struct pvfio_hwpt *hwpt;
};

static inline struct pvfio_device *pvfio_get_device(struct pvfio_ctx *ctx,
						    u32 id)
{
	struct pvfio_object *obj = pvfio_object_get(ctx, id, PVFIO_OBJ_DEVICE);

	if (IS_ERR(obj))
		return ERR_CAST(obj);
	return container_of(obj, struct pvfio_device, obj);
}

struct pvfio_hwpt *pvfio_device_hwpt_alloc(struct pvfio_device *idev,
					   struct pvfio_ioas *ioas);
struct pvfio_hwpt *pvfio_hwpt_alloc(struct pvfio_ctx *ctx,
				    struct pvfio_ioas *ioas,
				    struct device *dev, bool auto_domain);
struct pvfio_hwpt *pvfio_hwpt_alloc_mock(struct pvfio_ctx *ctx,
					 struct pvfio_ioas *ioas,
					 unsigned int shift,
					 unsigned long aperture_start,
					 unsigned long aperture_last,
					 bool auto_domain);
void pvfio_hwpt_abort(struct pvfio_ctx *ctx, struct pvfio_hwpt *hwpt);
void pvfio_hwpt_destroy(struct pvfio_object *obj);
int pvfio_hwpt_alloc_ioctl(struct pvfio_ucmd *ucmd);
int pvfio_device_bind(struct pvfio_ucmd *ucmd);
int pvfio_device_info(struct pvfio_ucmd *ucmd);
int pvfio_device_attach(struct pvfio_ucmd *ucmd);
int pvfio_device_detach(struct pvfio_ucmd *ucmd);
void pvfio_device_destroy(struct pvfio_object *obj);
int pvfio_access_create_ioctl(struct pvfio_ucmd *ucmd);
int pvfio_uaccess_pin(struct pvfio_ucmd *ucmd);
int pvfio_uaccess_unpin(struct pvfio_ucmd *ucmd);
int pvfio_uaccess_rw(struct pvfio_ucmd *ucmd);
int pvfio_uaccess_attach(struct pvfio_ucmd *ucmd);
int pvfio_uaccess_replace(struct pvfio_ucmd *ucmd);
int pvfio_uaccess_detach(struct pvfio_ucmd *ucmd);
int pvfio_uaccess_set_keep_pins(int fd, bool keep_pins);
struct pvfio_uaccess *pvfio_uaccess_ctx_gone(struct pvfio_access *access,
					     struct pvfio_ctx *ctx);
void pvfio_uaccess_kill_put(struct pvfio_uaccess *ua);
int pvfio_pci_driver_register(void);
void pvfio_pci_driver_unregister(void);

unsigned int pvfio_access_show_pins(struct pvfio_access *access,
				    struct seq_file *m, unsigned int max);
void pvfio_uaccess_debug_events(void *data, unsigned int *nr_events,
				u64 *lost);

/* debugfs view, debugfs.c */
void pvfio_debugfs_init(void);
void pvfio_debugfs_exit(void);
void pvfio_debugfs_ctx_add(struct pvfio_ctx *ctx);
void pvfio_debugfs_ctx_remove(struct pvfio_ctx *ctx);

/*
 * Test operations, selftest.c
 */
extern bool pvfio_enable_test_ops;

/*
 * Failure injection (PVFIO_TEST_OP_FAIL_NTH): every place pvfio can fail
 * for a reason outside its caller's arguments asks pvfio_fail_point()
 * first.  Off (one atomic read) unless a thread armed it.
 */
extern atomic_t pvfio_fail_nth_armed;
bool __pvfio_fail_point(void);

static inline bool pvfio_fail_point(void)
{
	return atomic_read(&pvfio_fail_nth_armed) && __pvfio_fail_point();
}

void pvfio_fail_nth_ctx_gone(struct pvfio_ctx *ctx);

/* kzalloc() and friends as failure points. */
#define pvfio_kzalloc(size, gfp)					\
	(pvfio_fail_point() ? NULL : kzalloc(size, gfp))
#define pvfio_kvcalloc(n, size, gfp)					\
	(pvfio_fail_point() ? NULL : kvcalloc(n, size, gfp))
#define pvfio_kvmalloc(size, gfp)					\
	(pvfio_fail_point() ? NULL : kvmalloc(size, gfp))
#define pvfio_kvmalloc_array(n, size, gfp)				\
	(pvfio_fail_point() ? NULL : kvmalloc_array(n, size, gfp))
#define pvfio_xa_alloc(xa, id, entry, limit, gfp)			\
	(pvfio_fail_point() ? -ENOMEM : xa_alloc(xa, id, entry, limit, gfp))

static inline unsigned long __must_check
pvfio_copy_to_user(void __user *to, const void *from, unsigned long n)
{
	return pvfio_fail_point() ? n : copy_to_user(to, from, n);
}

static inline unsigned long __must_check
pvfio_copy_from_user(void *to, const void __user *from, unsigned long n)
{
	return pvfio_fail_point() ? n : copy_from_user(to, from, n);
}

int pvfio_test_ioctl(struct pvfio_ucmd *ucmd);
void pvfio_mock_device_destroy(struct pvfio_object *obj);
int pvfio_mock_map(struct pvfio_mock_domain *mock, unsigned long iova,
		   phys_addr_t paddr, size_t size, int prot);
size_t pvfio_mock_unmap(struct pvfio_mock_domain *mock, unsigned long iova,
			size_t size);
phys_addr_t pvfio_mock_iova_to_phys(struct pvfio_mock_domain *mock,
				    unsigned long iova);
bool pvfio_mock_lookup(struct pvfio_mock_domain *mock, unsigned long iova,
		       phys_addr_t *phys);

#endif /* PVFIO_PRIVATE_H */
