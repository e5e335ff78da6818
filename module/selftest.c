// SPDX-License-Identifier: GPL-2.0
/*
 * Test operations (enable_test_ops=1): the hooks the test suites use to look
 * inside the module and to build objects without hardware.
 */
#include <linux/delay.h>
#include <linux/iommu.h>
#include <linux/mm.h>
#include <linux/sched/task.h>
#include <linux/sched/user.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "pvfio_private.h"

/**
 * struct pvfio_mock_device - a device object backed by no hardware
 * @obj: object header
 * @ioas: the IOAS it is attached to, held for the device's lifetime
 * @mock: its mock domain
 * @dom: @mock as one of @ioas's domains
 */
struct pvfio_mock_device {
	struct pvfio_object obj;
	struct pvfio_ioas *ioas;
	struct pvfio_mock_domain mock;
	struct pvfio_domain dom;
};

/* The owner of ranges PVFIO_TEST_OP_ADD_RESERVED reserves. */
static char pvfio_test_reserved_owner;

/**
 * pvfio_mock_domain_init() - set up an empty mock domain
 * @mock: the mock domain
 * @shift: log2 of its IO page size, at most PAGE_SHIFT
 * @aperture_start: first IOVA it translates
 * @aperture_last: last IOVA it translates
 *
 * No huge IOPTEs and no dirty tracking until the caller sets them, before
 * the domain is filled.
 */
void pvfio_mock_domain_init(struct pvfio_mock_domain *mock,
			    unsigned int shift, unsigned long aperture_start,
			    unsigned long aperture_last)
{
	xa_init(&mock->pfns);
	atomic64_set(&mock->map_calls, 0);
	mock->shift = shift;
	mock->huge_shift = 0;
	mock->dirty_ops = false;
	mock->dirty_tracking = false;
	mock->aperture_start = aperture_start;
	mock->aperture_last = aperture_last;
}

/**
 * pvfio_mock_domain_destroy() - free a mock domain's table
 * @mock: the mock domain, which its IOAS emptied
 */
void pvfio_mock_domain_destroy(struct pvfio_mock_domain *mock)
{
	WARN_ON(!xa_empty(&mock->pfns));
	xa_destroy(&mock->pfns);
}

/*
 * A mock IOPTE, one per IO page: xa_mk_value(physical address >> shift <<
 * PVFIO_MOCK_PFN_SHIFT | flags).  The IO pages of a huge IOPTE all carry
 * PVFIO_MOCK_HUGE; its dirty bit is the one of its first IO page.  The
 * dirty bit changes under the xarray's own lock, a leaf taken under no
 * other and around nothing but the xarray and a kernel bitmap.
 */
#define PVFIO_MOCK_PROT		GENMASK(1, 0)	/* IOMMU_READ, IOMMU_WRITE */
#define PVFIO_MOCK_DIRTY	BIT(2)		/* written while tracking */
#define PVFIO_MOCK_HUGE		BIT(3)		/* part of a huge IOPTE */
#define PVFIO_MOCK_PFN_SHIFT	4

static_assert((IOMMU_READ | IOMMU_WRITE) == PVFIO_MOCK_PROT);

int pvfio_mock_map(struct pvfio_mock_domain *mock, unsigned long iova,
		   phys_addr_t paddr, size_t size, int prot)
{
	unsigned long i, n = size >> mock->shift, mask = BIT(mock->shift) - 1;
	unsigned long huge_n = 0, huge_left = 0;
	void *old;

	if (WARN_ON((iova | paddr | size) & mask))
		return -EINVAL;
	if (mock->huge_shift)
		huge_n = BIT(mock->huge_shift - mock->shift);
	atomic64_inc(&mock->map_calls);
	for (i = 0; i < n; i++) {
		unsigned long index = (iova >> mock->shift) + i;
		unsigned long pa = (paddr >> mock->shift) + i;
		unsigned long val = pa << PVFIO_MOCK_PFN_SHIFT |
				    (prot & PVFIO_MOCK_PROT);

		/* Huge where IOVA and address are aligned and it all fits. */
		if (!huge_left && huge_n && !(index & (huge_n - 1)) &&
		    !(pa & (huge_n - 1)) && n - i >= huge_n)
			huge_left = huge_n;
		if (huge_left) {
			val |= PVFIO_MOCK_HUGE;
			huge_left--;
		}
		old = xa_store(&mock->pfns, index, xa_mk_value(val),
			       GFP_KERNEL_ACCOUNT);
		if (xa_is_err(old) || WARN_ON(old)) {
			if (i)
				pvfio_mock_unmap(mock, iova, i << mock->shift);
			return xa_is_err(old) ? xa_err(old) : -EEXIST;
		}
	}
	return 0;
}

size_t pvfio_mock_unmap(struct pvfio_mock_domain *mock, unsigned long iova,
			size_t size)
{
	unsigned long i, n = size >> mock->shift;
	size_t done = 0;

	for (i = 0; i < n; i++)
		if (xa_erase(&mock->pfns, (iova >> mock->shift) + i))
			done += BIT(mock->shift);
	return done;
}

/* The entry of a mock IO page, or NULL. */
static void *pvfio_mock_entry(struct pvfio_mock_domain *mock,
			      unsigned long iova)
{
	return xa_load(&mock->pfns, iova >> mock->shift);
}

static phys_addr_t pvfio_mock_entry_phys(struct pvfio_mock_domain *mock,
					 void *ent, unsigned long iova)
{
	return ((phys_addr_t)(xa_to_value(ent) >> PVFIO_MOCK_PFN_SHIFT) <<
		mock->shift) + (iova & (BIT(mock->shift) - 1));
}

/**
 * pvfio_mock_lookup() - what a mock domain translates an IOVA to, if mapped
 * @mock: the mock domain
 * @iova: the IOVA
 * @phys: the physical address, when mapped
 *
 * For checks that may race an unmap (one lookup, no WARN).
 *
 * Return: whether @iova is mapped.
 */
bool pvfio_mock_lookup(struct pvfio_mock_domain *mock, unsigned long iova,
		       phys_addr_t *phys)
{
	void *ent = pvfio_mock_entry(mock, iova);

	if (!ent)
		return false;
	*phys = pvfio_mock_entry_phys(mock, ent, iova);
	return true;
}

/**
 * pvfio_mock_iova_to_phys() - what a mock domain translates an IOVA to
 * @mock: the mock domain
 * @iova: the IOVA
 *
 * Return: the physical address, or 0 if @iova is not mapped.
 */
phys_addr_t pvfio_mock_iova_to_phys(struct pvfio_mock_domain *mock,
				    unsigned long iova)
{
	void *ent = pvfio_mock_entry(mock, iova);

	if (WARN_ON(!ent))
		return 0;
	return pvfio_mock_entry_phys(mock, ent, iova);
}

/*
 * Under the xarray's lock, @xas at the IO page @ent: the IOPTE it belongs
 * to.  For a huge IOPTE whose first IO page is still mapped, @xas moves
 * there and *@n is its IO pages; otherwise the IO page is the IOPTE.
 */
static void *pvfio_mock_iopte(struct pvfio_mock_domain *mock,
			      struct xa_state *xas, void *ent,
			      unsigned long *n)
{
	unsigned long index = xas->xa_index, huge_n, head;
	void *hent;

	*n = 1;
	if (!(xa_to_value(ent) & PVFIO_MOCK_HUGE))
		return ent;
	huge_n = BIT(mock->huge_shift - mock->shift);
	head = index & ~(huge_n - 1);
	if (head != index) {
		xas_set(xas, head);
		hent = xas_load(xas);
		if (!hent || !(xa_to_value(hent) & PVFIO_MOCK_HUGE)) {
			/* Partly unmapped: page by page. */
			xas_set(xas, index);
			return xas_load(xas);
		}
		ent = hent;
	}
	*n = huge_n;
	return ent;
}

/**
 * pvfio_mock_set_dirty() - mark the IOPTE that maps an IOVA dirty
 * @mock: the mock domain
 * @iova: the IOVA
 *
 * As a device's write would (TEST_OP_DIRTY): a huge IOPTE is dirty as a
 * whole.
 *
 * Return: whether @iova is mapped.
 */
bool pvfio_mock_set_dirty(struct pvfio_mock_domain *mock, unsigned long iova)
{
	XA_STATE(xas, &mock->pfns, iova >> mock->shift);
	unsigned long n;
	void *ent;

	xas_lock(&xas);
	ent = xas_load(&xas);
	if (ent) {
		ent = pvfio_mock_iopte(mock, &xas, ent, &n);
		xas_store(&xas, xa_mk_value(xa_to_value(ent) |
					    PVFIO_MOCK_DIRTY));
	}
	xas_unlock(&xas);
	return ent;
}

/**
 * pvfio_mock_read_dirty() - report the dirty IOPTEs of a bitmap's chunk
 * @mock: the mock domain
 * @bm: the bitmap, at the chunk to fill
 * @clear: clear what is reported
 *
 * An IOPTE's whole range is reported (clipped to the chunk).  A huge
 * IOPTE the bitmap covers beyond this chunk stays dirty until the chunk
 * holding its last part reads it, and is then cleared as a whole, also
 * where it lies outside the bitmap, as a hardware IOPTE's dirty bit.
 */
void pvfio_mock_read_dirty(struct pvfio_mock_domain *mock,
			   struct pvfio_bitmap *bm, bool clear)
{
	unsigned long last = bm->chunk_last >> mock->shift;
	XA_STATE(xas, &mock->pfns, bm->chunk_iova >> mock->shift);
	unsigned long n, start, end;
	void *ent;

	xas_lock(&xas);
	xas_for_each(&xas, ent, last) {
		if (xas_retry(&xas, ent))
			continue;
		ent = pvfio_mock_iopte(mock, &xas, ent, &n);
		start = xas.xa_index << mock->shift;
		end = start + (n << mock->shift) - 1;
		if (xa_to_value(ent) & PVFIO_MOCK_DIRTY) {
			pvfio_bitmap_set(bm, start, end);
			if (clear && min(end, bm->last) <= bm->chunk_last)
				xas_store(&xas, xa_mk_value(xa_to_value(ent) &
							    ~PVFIO_MOCK_DIRTY));
		}
		if (n > 1) {
			if (xas.xa_index + n - 1 >= last)
				break;
			xas_set(&xas, xas.xa_index + n);
		}
		if (need_resched()) {
			if (n == 1)
				xas_pause(&xas);
			xas_unlock(&xas);
			cond_resched();
			xas_lock(&xas);
		}
	}
	xas_unlock(&xas);
}

/**
 * pvfio_mock_clear_dirty() - make every IOPTE of a mock domain clean
 * @mock: the mock domain
 */
void pvfio_mock_clear_dirty(struct pvfio_mock_domain *mock)
{
	XA_STATE(xas, &mock->pfns, 0);
	void *ent;

	xas_lock(&xas);
	xas_for_each(&xas, ent, ULONG_MAX) {
		if (xas_retry(&xas, ent))
			continue;
		if (xa_to_value(ent) & PVFIO_MOCK_DIRTY)
			xas_store(&xas, xa_mk_value(xa_to_value(ent) &
						    ~PVFIO_MOCK_DIRTY));
		if (need_resched()) {
			xas_pause(&xas);
			xas_unlock(&xas);
			cond_resched();
			xas_lock(&xas);
		}
	}
	xas_unlock(&xas);
}

static int pvfio_test_mock_device(struct pvfio_ucmd *ucmd,
				  struct pvfio_test_cmd *cmd)
{
	struct pvfio_mock_device *mdev;
	struct pvfio_object *obj;
	struct pvfio_ioas *ioas;
	int ret;

	if (cmd->mock_device.__reserved)
		return -EOPNOTSUPP;

	ioas = pvfio_get_ioas(ucmd->ctx, cmd->id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	/* The device's hold on the IOAS. */
	if (!pvfio_object_hold(&ioas->obj)) {
		ret = -ENOENT;
		goto out_put_ioas;
	}

	obj = pvfio_object_alloc(ucmd->ctx, sizeof(*mdev),
				 PVFIO_OBJ_MOCK_DEVICE);
	if (IS_ERR(obj)) {
		ret = PTR_ERR(obj);
		goto err_unhold_ioas;
	}
	mdev = container_of(obj, struct pvfio_mock_device, obj);

	pvfio_mock_domain_init(&mdev->mock, PAGE_SHIFT, 0, ULONG_MAX);
	mdev->dom.mock = &mdev->mock;
	mdev->dom.owner = mdev;
	ret = pvfio_iopt_add_domain(&ioas->iopt, &mdev->dom);
	if (ret)
		goto err_abort;

	cmd->mock_device.out_device_id = obj->id;
	ret = pvfio_ucmd_respond(ucmd, sizeof(*cmd));
	if (ret)
		goto err_remove_domain;

	mdev->ioas = ioas;
	pvfio_object_finalize(ucmd->ctx, obj);
	pvfio_object_put(&ioas->obj);
	return 0;

err_remove_domain:
	pvfio_iopt_remove_domain(&ioas->iopt, &mdev->dom, false);
err_abort:
	pvfio_mock_domain_destroy(&mdev->mock);
	pvfio_object_abort(ucmd->ctx, obj);
err_unhold_ioas:
	pvfio_object_unhold(&ioas->obj);
out_put_ioas:
	pvfio_object_put(&ioas->obj);
	return ret;
}

void pvfio_mock_device_destroy(struct pvfio_object *obj)
{
	struct pvfio_mock_device *mdev =
		container_of(obj, struct pvfio_mock_device, obj);

	pvfio_iopt_remove_domain(&mdev->ioas->iopt, &mdev->dom, false);
	pvfio_mock_domain_destroy(&mdev->mock);
	pvfio_object_unhold(&mdev->ioas->obj);
}

/* The page backing a user address, with a reference, or an ERR_PTR. */
static struct page *pvfio_test_user_page(unsigned long uaddr)
{
	struct page *page;
	int rc;

	rc = get_user_pages_fast(uaddr, 1, 0, &page);
	if (rc != 1)
		return ERR_PTR(rc < 0 ? rc : -EFAULT);
	return page;
}

static int pvfio_test_check_map(struct pvfio_ucmd *ucmd,
				struct pvfio_test_cmd *cmd)
{
	struct pvfio_test_check_map *chk = &cmd->check_map;
	struct pvfio_mock_device *mdev;
	struct pvfio_object *obj;
	unsigned long off;
	u64 end;
	int ret = 0;

	if (!chk->length || check_add_overflow(chk->iova, chk->length - 1, &end) ||
	    check_add_overflow(chk->uptr, chk->length, &end) ||
	    ((chk->iova | chk->uptr | chk->length) & (PAGE_SIZE - 1)))
		return -EINVAL;

	obj = pvfio_object_get(ucmd->ctx, cmd->id, PVFIO_OBJ_MOCK_DEVICE);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	mdev = container_of(obj, struct pvfio_mock_device, obj);

	for (off = 0; off < chk->length && !ret; off += PAGE_SIZE) {
		void *ent = xa_load(&mdev->mock.pfns,
				    (chk->iova + off) >> PAGE_SHIFT);
		struct page *page;

		if (!ent) {
			ret = -ENOENT;
			break;
		}
		page = pvfio_test_user_page(chk->uptr + off);
		if (IS_ERR(page)) {
			ret = PTR_ERR(page);
			break;
		}
		if ((xa_to_value(ent) >> PVFIO_MOCK_PFN_SHIFT) !=
		    page_to_pfn(page))
			ret = -EINVAL;
		put_page(page);
		cond_resched();
	}
	pvfio_object_put(obj);
	return ret;
}

static int pvfio_test_mock_map_calls(struct pvfio_ucmd *ucmd,
				     struct pvfio_test_cmd *cmd)
{
	struct pvfio_mock_device *mdev;
	struct pvfio_object *obj;

	obj = pvfio_object_get(ucmd->ctx, cmd->id, PVFIO_OBJ_MOCK_DEVICE);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	mdev = container_of(obj, struct pvfio_mock_device, obj);
	cmd->mock_map_calls.out_map_calls =
		atomic64_read(&mdev->mock.map_calls);
	pvfio_object_put(obj);
	return pvfio_ucmd_respond(ucmd, sizeof(*cmd));
}

static int pvfio_test_check_refs(struct pvfio_test_cmd *cmd)
{
	struct pvfio_test_check_refs *chk = &cmd->check_refs;
	unsigned long off;
	u64 end;
	int ret = 0;

	if (chk->__reserved || chk->pinned > 1)
		return -EOPNOTSUPP;
	if (!chk->length || check_add_overflow(chk->uptr, chk->length, &end) ||
	    ((chk->uptr | chk->length) & (PAGE_SIZE - 1)))
		return -EINVAL;

	for (off = 0; off < chk->length && !ret; off += PAGE_SIZE) {
		struct page *page = pvfio_test_user_page(chk->uptr + off);

		if (IS_ERR(page))
			return PTR_ERR(page);
		if (folio_maybe_dma_pinned(page_folio(page)) != chk->pinned)
			ret = -EINVAL;
		put_page(page);
	}
	return ret;
}

static int pvfio_test_add_reserved(struct pvfio_ucmd *ucmd,
				   struct pvfio_test_cmd *cmd)
{
	struct pvfio_test_add_reserved *res = &cmd->add_reserved;
	struct pvfio_ioas *ioas;
	u64 last;
	int ret;

	if (!res->length || check_add_overflow(res->start, res->length - 1,
					       &last) || last > ULONG_MAX)
		return -EINVAL;
	ioas = pvfio_get_ioas(ucmd->ctx, cmd->id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	ret = pvfio_iopt_reserve(&ioas->iopt, res->start, last,
				 &pvfio_test_reserved_owner);
	pvfio_object_put(&ioas->obj);
	return ret;
}

static int pvfio_test_stats(struct pvfio_ucmd *ucmd, struct pvfio_test_cmd *cmd)
{
	cmd->stats.out_contexts = atomic64_read(&pvfio_nr_contexts);
	cmd->stats.out_objects = atomic64_read(&pvfio_nr_objects);
	cmd->stats.out_pinned_pages = atomic64_read(&pvfio_nr_pinned_pages);
	cmd->stats.out_accesses = atomic64_read(&pvfio_nr_accesses);
	cmd->stats.out_access_pins = atomic64_read(&pvfio_nr_access_pins);
	cmd->stats.out_user_locked_vm =
		atomic_long_read(&current_user()->locked_vm);
	/* Not a failure point: the fail-nth sweep reads stats between calls. */
	if (copy_to_user(ucmd->ubuffer, cmd,
			 min_t(size_t, ucmd->user_size, sizeof(*cmd))))
		return -EFAULT;
	return 0;
}

/**
 * struct pvfio_fail_nth - one thread's failure injection
 * @item: in pvfio_fail_nth_list
 * @task: the thread (referenced)
 * @ctx: the context it was armed on; closing that ends it
 * @nth: the failure point to fail, counted from 1
 * @reached: failure points reached so far
 * @fired: the failure was injected
 */
struct pvfio_fail_nth {
	struct list_head item;
	struct task_struct *task;
	struct pvfio_ctx *ctx;
	u32 nth;
	u64 reached;
	bool fired;
};

atomic_t pvfio_fail_nth_armed = ATOMIC_INIT(0);
static DEFINE_SPINLOCK(pvfio_fail_nth_lock);
static LIST_HEAD(pvfio_fail_nth_list);

static struct pvfio_fail_nth *pvfio_fail_nth_find(struct task_struct *task)
{
	struct pvfio_fail_nth *f;

	lockdep_assert_held(&pvfio_fail_nth_lock);
	list_for_each_entry(f, &pvfio_fail_nth_list, item)
		if (f->task == task)
			return f;
	return NULL;
}

/**
 * __pvfio_fail_point() - count a failure point of the current thread
 *
 * Return: true if this is the point the thread asked to fail.
 */
bool __pvfio_fail_point(void)
{
	struct pvfio_fail_nth *f;
	bool fail = false;

	spin_lock(&pvfio_fail_nth_lock);
	f = pvfio_fail_nth_find(current);
	if (f) {
		fail = ++f->reached == f->nth;
		f->fired |= fail;
	}
	spin_unlock(&pvfio_fail_nth_lock);
	return fail;
}

static void pvfio_fail_nth_free(struct pvfio_fail_nth *f)
{
	put_task_struct(f->task);
	kfree(f);
	atomic_dec(&pvfio_fail_nth_armed);
}

/**
 * pvfio_fail_nth_ctx_gone() - end the injections armed on a closing context
 * @ctx: the context
 */
void pvfio_fail_nth_ctx_gone(struct pvfio_ctx *ctx)
{
	struct pvfio_fail_nth *f, *tmp;
	LIST_HEAD(gone);

	spin_lock(&pvfio_fail_nth_lock);
	list_for_each_entry_safe(f, tmp, &pvfio_fail_nth_list, item)
		if (f->ctx == ctx)
			list_move(&f->item, &gone);
	spin_unlock(&pvfio_fail_nth_lock);
	list_for_each_entry_safe(f, tmp, &gone, item)
		pvfio_fail_nth_free(f);
}

/*
 * Report and end the calling thread's injection, then arm a new one if
 * asked.  The new one is published only after the reply is copied out, so
 * that this operation is never a failure point itself.
 */
static int pvfio_test_fail_nth(struct pvfio_ucmd *ucmd,
			       struct pvfio_test_cmd *cmd)
{
	struct pvfio_test_fail_nth *fn = &cmd->fail_nth;
	struct pvfio_fail_nth *f, *new = NULL;
	int ret;

	if (fn->__reserved || fn->__reserved2)
		return -EOPNOTSUPP;
	if (fn->nth) {
		new = kzalloc(sizeof(*new), GFP_KERNEL_ACCOUNT);
		if (!new)
			return -ENOMEM;
		new->task = get_task_struct(current);
		new->ctx = ucmd->ctx;
		new->nth = fn->nth;
	}

	spin_lock(&pvfio_fail_nth_lock);
	f = pvfio_fail_nth_find(current);
	if (f)
		list_del(&f->item);
	spin_unlock(&pvfio_fail_nth_lock);
	fn->out_reached = f ? f->reached : 0;
	fn->out_fired = f ? f->fired : 0;
	if (f)
		pvfio_fail_nth_free(f);

	ret = pvfio_ucmd_respond(ucmd, sizeof(*cmd));
	if (!new)
		return ret;
	if (ret) {
		put_task_struct(new->task);
		kfree(new);
		return ret;
	}
	atomic_inc(&pvfio_fail_nth_armed);
	spin_lock(&pvfio_fail_nth_lock);
	list_add(&new->item, &pvfio_fail_nth_list);
	spin_unlock(&pvfio_fail_nth_lock);
	return 0;
}

static int pvfio_test_hold_object(struct pvfio_ucmd *ucmd,
				  struct pvfio_test_cmd *cmd)
{
	struct pvfio_object *obj;

	if (cmd->hold_object.__reserved)
		return -EOPNOTSUPP;
	if (cmd->hold_object.ms > 10000)
		return -EINVAL;
	obj = pvfio_object_get(ucmd->ctx, cmd->id, PVFIO_OBJ_ANY);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	msleep_interruptible(cmd->hold_object.ms);
	pvfio_object_put(obj);
	return 0;
}

int pvfio_test_ioctl(struct pvfio_ucmd *ucmd)
{
	struct pvfio_test_cmd *cmd = ucmd->cmd;

	if (cmd->__reserved)
		return -EOPNOTSUPP;

	switch (cmd->op) {
	case PVFIO_TEST_OP_STATS:
		return pvfio_test_stats(ucmd, cmd);
	case PVFIO_TEST_OP_MOCK_DEVICE:
		return pvfio_test_mock_device(ucmd, cmd);
	case PVFIO_TEST_OP_CHECK_MAP:
		return pvfio_test_check_map(ucmd, cmd);
	case PVFIO_TEST_OP_CHECK_REFS:
		return pvfio_test_check_refs(cmd);
	case PVFIO_TEST_OP_ADD_RESERVED:
		return pvfio_test_add_reserved(ucmd, cmd);
	case PVFIO_TEST_OP_ACCESS_KEEP_PINS:
		if (cmd->access_keep_pins.keep_pins > 1)
			return -EINVAL;
		return pvfio_uaccess_set_keep_pins(cmd->access_keep_pins.access_fd,
						  cmd->access_keep_pins.keep_pins);
	case PVFIO_TEST_OP_MOCK_MAP_CALLS:
		return pvfio_test_mock_map_calls(ucmd, cmd);
	case PVFIO_TEST_OP_HOLD_OBJECT:
		return pvfio_test_hold_object(ucmd, cmd);
	case PVFIO_TEST_OP_FAIL_NTH:
		return pvfio_test_fail_nth(ucmd, cmd);
	case PVFIO_TEST_OP_SET_TEMP_MEMORY_LIMIT:
		if (cmd->temp_memory_limit.__reserved)
			return -EOPNOTSUPP;
		pvfio_set_temp_memory_limit(cmd->temp_memory_limit.limit);
		return 0;
	case PVFIO_TEST_OP_MEMLIMIT:
		WRITE_ONCE(ucmd->ctx->test_memlimit,
			   cmd->memlimit.limit_pages);
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}
