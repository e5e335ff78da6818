// SPDX-License-Identifier: GPL-2.0
/*
 * Access objects: the iommufd-style consumer of an IOAS for emulated
 * devices.  An access attached to an IOAS pins IOVA ranges (getting the
 * pages the IOAS already pinned), unpins them, and copies to and from IOVA
 * through the CPU.  When an unmap, a detach or a replace takes away a range
 * an access has pinned, pvfio drops its locks and calls the access's unmap
 * callback with the whole range; the consumer unpins everything inside it.
 *
 * Lock order (the outer part is in pvfio_private.h):
 *
 *   pvfio_access.lock                   (attachment, busy, pin records)
 *     pvfio_ioas.access_lock            (the IOAS's list of accesses)
 *       pvfio_iopt.iova_rwsem
 *         pvfio_access.pins_lock        (spinlock, a leaf)
 *
 * No pvfio lock is held while a callback runs.  A callback running for an
 * unmap counts in pvfio_access.notifying; an access leaving an IOAS waits
 * for that to drop to zero, so destroy waits for running callbacks.
 * Attach, detach and replace mark the access busy and drop its lock while
 * callbacks run: a second one racing them fails with -EBUSY, new pins fail
 * with -EBUSY, unpins keep working.
 */
#include <linux/interval_tree.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include "../include/pvfio.h"
#include "pvfio_private.h"

/* Callback rounds before an unmap, detach or replace gives up. */
#define PVFIO_NOTIFY_ROUNDS 8

/**
 * struct pvfio_pin_rec - one pin an access holds
 * @node: its IOVA range, in pvfio_access.pins
 * @ioas: the IOAS it was made on (after a replace, the old one)
 * @write: pinned for write: dirty the pages on unpin
 * @pending: being made; not handed to the consumer yet
 */
struct pvfio_pin_rec {
	struct interval_tree_node node;
	struct pvfio_ioas *ioas;
	bool write;
	bool pending;
};

/*
 * Whether @access has a pin on @ioas inside [iova, last].  A pin being made
 * counts (the consumer is called, harmlessly) unless @settled: then only
 * pins the consumer was handed count, for blaming it.
 */
static bool pvfio_access_has_pins(struct pvfio_access *access,
				  struct pvfio_ioas *ioas, unsigned long iova,
				  unsigned long last, bool settled)
{
	struct interval_tree_node *node;
	struct pvfio_pin_rec *pin;
	bool found = false;

	spin_lock(&access->pins_lock);
	for (node = interval_tree_iter_first(&access->pins, iova, last);
	     node && !found; node = interval_tree_iter_next(node, iova, last)) {
		pin = container_of(node, struct pvfio_pin_rec, node);
		found = pin->ioas == ioas && !(settled && pin->pending);
	}
	spin_unlock(&access->pins_lock);
	return found;
}

/**
 * pvfio_access_write_pins() - the write pins of an access on an IOAS
 * @access: the access
 * @ioas: the IOAS (after a replace, pins on the old one are not its)
 * @start: first IOVA of interest
 * @last: last IOVA of interest
 * @bm: if not NULL, set the pages of each pin in its current chunk
 * @first: if not NULL, lowered to the first pinned IOVA found
 *
 * For the dirty tracker: a pin for write makes its pages dirty for as long
 * as it lasts.  A pin still being made does not count: its consumer has
 * not got the pages yet.
 */
void pvfio_access_write_pins(struct pvfio_access *access,
			     struct pvfio_ioas *ioas, unsigned long start,
			     unsigned long last, struct pvfio_bitmap *bm,
			     unsigned long *first)
{
	struct interval_tree_node *node;
	struct pvfio_pin_rec *pin;

	spin_lock(&access->pins_lock);
	for (node = interval_tree_iter_first(&access->pins, start, last); node;
	     node = interval_tree_iter_next(node, start, last)) {
		pin = container_of(node, struct pvfio_pin_rec, node);
		if (pin->ioas != ioas || !pin->write || pin->pending)
			continue;
		if (bm)
			pvfio_bitmap_set(bm, node->start & PAGE_MASK,
					 node->last | ~PAGE_MASK);
		if (first) {
			/* Pins come in order of their start: this is it. */
			*first = min(*first, node->start & PAGE_MASK);
			if (!bm)
				break;
		}
	}
	spin_unlock(&access->pins_lock);
}

/* A consumer kept its pins: only an in-kernel one is a kernel bug. */
static void pvfio_access_blame(struct pvfio_access *access)
{
	if (access->user || access->warned)
		return;
	access->warned = true;
	WARN(1, "pvfio: access %p kept pins after %d unmap callbacks\n",
	     access, PVFIO_NOTIFY_ROUNDS);
}

/**
 * pvfio_ioas_notify_accesses() - ask accesses to unpin inside a range
 * @ioas: the IOAS being unmapped
 * @iova: first IOVA of the range
 * @last: last IOVA of the range
 * @final: the last round: blame whoever still holds pins
 *
 * Each access attached to @ioas that has a pin on @ioas inside the range is
 * called once, with the whole range, without locks held.  Accesses with no
 * pin there are not disturbed.
 */
void pvfio_ioas_notify_accesses(struct pvfio_ioas *ioas, unsigned long iova,
				unsigned long last, bool final)
{
	struct pvfio_access *access;
	unsigned long index;

	mutex_lock(&ioas->access_lock);
	xa_for_each(&ioas->accesses, index, access) {
		if (!pvfio_access_has_pins(access, ioas, iova, last, final))
			continue;
		if (final) {
			pvfio_access_blame(access);
			continue;
		}
		/* Keeps @access alive: leaving the IOAS waits for this. */
		atomic_inc(&access->notifying);
		mutex_unlock(&ioas->access_lock);
		/* The whole space, [0, ULONG_MAX], is length ULONG_MAX. */
		access->ops->unmap(access->data, iova,
				   last - iova + 1 ?: ULONG_MAX);
		mutex_lock(&ioas->access_lock);
		/* Under the lock: the waiter retakes it before freeing. */
		if (atomic_dec_and_test(&access->notifying))
			wake_up(&access->wq);
	}
	mutex_unlock(&ioas->access_lock);
}

/* Recompute the alignment the IOAS's accesses need. */
static int pvfio_ioas_update_access_alignment(struct pvfio_ioas *ioas)
{
	struct pvfio_access *access;
	unsigned long index, align = 0;

	lockdep_assert_held(&ioas->access_lock);
	xa_for_each(&ioas->accesses, index, access)
		align = max(align, access->iova_alignment);
	return pvfio_iopt_set_access_alignment(&ioas->iopt, align);
}

static int pvfio_access_join(struct pvfio_access *access,
			     struct pvfio_ioas *ioas, u32 *index)
{
	int ret;

	mutex_lock(&ioas->access_lock);
	ret = pvfio_xa_alloc(&ioas->accesses, index, access, xa_limit_32b,
			     GFP_KERNEL_ACCOUNT);
	if (!ret) {
		ret = pvfio_ioas_update_access_alignment(ioas);
		if (ret)
			xa_erase(&ioas->accesses, *index);
	}
	mutex_unlock(&ioas->access_lock);
	return ret;
}

static void pvfio_access_leave(struct pvfio_access *access,
			       struct pvfio_ioas *ioas, u32 index)
{
	mutex_lock(&ioas->access_lock);
	xa_erase(&ioas->accesses, index);
	/* Lowering the alignment cannot fail. */
	WARN_ON(pvfio_ioas_update_access_alignment(ioas));
	mutex_unlock(&ioas->access_lock);

	/* No new callback can start; wait for the running ones to return. */
	wait_event(access->wq, !atomic_read(&access->notifying));
	mutex_lock(&ioas->access_lock);
	mutex_unlock(&ioas->access_lock);
}

/*
 * Have the consumer unpin everything it holds on @ioas: the whole address
 * space goes away for it.  Called busy, without locks.
 */
static int pvfio_access_revoke(struct pvfio_access *access,
			       struct pvfio_ioas *ioas)
{
	int round;

	for (round = 0; round < PVFIO_NOTIFY_ROUNDS; round++) {
		if (!pvfio_access_has_pins(access, ioas, 0, ULONG_MAX, false))
			return 0;
		/* Let a consumer's own pinning or unpinning thread run. */
		if (round)
			schedule_timeout_uninterruptible(1);
		access->ops->unmap(access->data, 0, ULONG_MAX);
	}
	if (!pvfio_access_has_pins(access, ioas, 0, ULONG_MAX, true))
		return 0;
	pvfio_access_blame(access);
	return -EDEADLOCK;
}

/**
 * pvfio_access_show_pins() - print an access's pins, for debugfs
 * @access: an access on a context whose accesses_lock the caller holds
 * @m: where to print "  pin <first>-<last> read|write" lines
 * @max: print at most this many
 *
 * Takes only pvfio_access.pins_lock, a leaf, and prints into @m's buffer.
 *
 * Return: the lines printed, or @max + 1 if pins were left out (a
 * "... more" line then ends the list).
 */
unsigned int pvfio_access_show_pins(struct pvfio_access *access,
				    struct seq_file *m, unsigned int max)
{
	struct interval_tree_node *node;
	struct pvfio_pin_rec *pin;
	unsigned int n = 0;

	lockdep_assert_held(&access->ctx->accesses_lock);
	spin_lock(&access->pins_lock);
	for (node = interval_tree_iter_first(&access->pins, 0, ULONG_MAX);
	     node; node = interval_tree_iter_next(node, 0, ULONG_MAX)) {
		if (n++ == max) {
			seq_puts(m, "... more\n");
			break;
		}
		pin = container_of(node, struct pvfio_pin_rec, node);
		seq_printf(m, "  pin 0x%lx-0x%lx %s%s\n", node->start,
			   node->last, pin->write ? "write" : "read",
			   pin->pending ? " pending" : "");
	}
	spin_unlock(&access->pins_lock);
	return n;
}

/* Drop every pin the consumer did not: the access is being destroyed. */
static void pvfio_access_drop_pins(struct pvfio_access *access)
{
	struct interval_tree_node *node;
	struct pvfio_pin_rec *pin;

	for (;;) {
		spin_lock(&access->pins_lock);
		node = interval_tree_iter_first(&access->pins, 0, ULONG_MAX);
		if (node)
			interval_tree_remove(node, &access->pins);
		spin_unlock(&access->pins_lock);
		if (!node)
			return;
		pin = container_of(node, struct pvfio_pin_rec, node);
		pvfio_iopt_access_unpin(&pin->ioas->iopt,
					node->start & PAGE_MASK,
					node->last | ~PAGE_MASK, pin->write);
		kfree(pin);
		atomic64_dec(&pvfio_nr_access_pins);
	}
}

/**
 * pvfio_access_create() - create an access on a context
 * @ctx: the context, from pvfio_ctx_get_from_file()
 * @ops: callbacks; @ops->unmap is needed to PIN (RW works without it)
 * @data: passed to the callbacks
 * @iova_alignment: alignment the consumer needs of every mapping of the
 *                  IOASes it attaches to (a power of two), 0 for PAGE_SIZE.
 *                  Below PAGE_SIZE the access can only copy (RW), not PIN,
 *                  as iommufd's accesses without needs_pin_pages.
 *
 * The caller must destroy the access with pvfio_access_destroy() before it
 * drops the context.
 *
 * Return: the access, detached, or an ERR_PTR (-EINVAL bad alignment,
 * -ENOMEM).
 */
struct pvfio_access *pvfio_access_create(struct pvfio_ctx *ctx,
					 const struct pvfio_access_ops *ops,
					 void *data, unsigned long iova_alignment)
{
	struct pvfio_access *access;

	if (!iova_alignment)
		iova_alignment = PAGE_SIZE;
	if (!is_power_of_2(iova_alignment))
		return ERR_PTR(-EINVAL);

	access = pvfio_kzalloc(sizeof(*access), GFP_KERNEL_ACCOUNT);
	if (!access)
		return ERR_PTR(-ENOMEM);
	access->ctx = ctx;
	access->ops = ops;
	access->data = data;
	access->iova_alignment = iova_alignment;
	mutex_init(&access->lock);
	spin_lock_init(&access->pins_lock);
	access->pins = RB_ROOT_CACHED;
	atomic_set(&access->notifying, 0);
	init_waitqueue_head(&access->wq);

	mutex_lock(&ctx->accesses_lock);
	list_add_tail(&access->ctx_item, &ctx->accesses);
	mutex_unlock(&ctx->accesses_lock);
	atomic64_inc(&pvfio_nr_accesses);
	return access;
}
EXPORT_SYMBOL_GPL(pvfio_access_create);

/**
 * pvfio_access_destroy() - detach and free an access
 * @access: the access; no other call on it may be running or start
 *
 * Waits for running callbacks.  Pins the consumer still holds are revoked
 * through the unmap callback and, if it keeps them, dropped (with one WARN
 * for an in-kernel consumer): after this the pages may go at any time.
 */
void pvfio_access_destroy(struct pvfio_access *access)
{
	struct pvfio_ctx *ctx = access->ctx;
	struct pvfio_ioas *ioas;

	mutex_lock(&access->lock);
	WARN_ON(access->busy);
	access->busy = true;
	ioas = access->ioas;
	mutex_unlock(&access->lock);

	if (ioas) {
		if (access->ops && access->ops->unmap)
			pvfio_access_revoke(access, ioas);
		pvfio_access_leave(access, ioas, access->ioas_index);
	}
	/* Pins left point into @ioas: drop them while it is still held. */
	pvfio_access_drop_pins(access);
	if (ioas)
		pvfio_object_unhold(&ioas->obj);

	mutex_lock(&ctx->accesses_lock);
	list_del_init(&access->ctx_item);
	mutex_unlock(&ctx->accesses_lock);
	mutex_destroy(&access->lock);
	kfree(access);
	atomic64_dec(&pvfio_nr_accesses);
}
EXPORT_SYMBOL_GPL(pvfio_access_destroy);

/**
 * pvfio_access_attach() - attach a detached access to an IOAS
 * @access: the access
 * @ioas_id: an IOAS of the access's context
 *
 * While attached, the access holds the IOAS (DESTROY fails with -EBUSY).
 *
 * Return: 0, -ENOENT no such IOAS, -EBUSY attached already or another
 * attach/detach/replace is running, -EINVAL a mapping of the IOAS is not
 * aligned to the access's alignment.
 */
int pvfio_access_attach(struct pvfio_access *access, u32 ioas_id)
{
	struct pvfio_ioas *ioas;
	int ret;

	ioas = pvfio_get_ioas(access->ctx, ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	mutex_lock(&access->lock);
	if (access->busy || access->ioas) {
		ret = -EBUSY;
		goto err_unlock;
	}
	/* The attachment's hold. */
	if (!pvfio_object_hold(&ioas->obj)) {
		ret = -ENOENT;
		goto err_unlock;
	}
	ret = pvfio_access_join(access, ioas, &access->ioas_index);
	if (ret)
		goto err_unhold;
	access->ioas = ioas;
	mutex_unlock(&access->lock);
	pvfio_object_put(&ioas->obj);
	return 0;

err_unhold:
	pvfio_object_unhold(&ioas->obj);
err_unlock:
	mutex_unlock(&access->lock);
	pvfio_object_put(&ioas->obj);
	return ret;
}
EXPORT_SYMBOL_GPL(pvfio_access_attach);

/**
 * pvfio_access_detach() - detach an access from its IOAS
 * @access: the access
 *
 * Every pin the access holds gets the unmap callback for the whole address
 * space first.
 *
 * Return: 0, -ENOENT not attached, -EBUSY another attach/detach/replace is
 * running, -EDEADLOCK the consumer kept pins (still attached, nothing
 * changed).
 */
int pvfio_access_detach(struct pvfio_access *access)
{
	struct pvfio_ioas *ioas;
	u32 index;
	int ret = 0;

	mutex_lock(&access->lock);
	if (access->busy)
		ret = -EBUSY;
	else if (!access->ioas)
		ret = -ENOENT;
	if (ret) {
		mutex_unlock(&access->lock);
		return ret;
	}
	access->busy = true;
	ioas = access->ioas;
	index = access->ioas_index;
	mutex_unlock(&access->lock);

	ret = pvfio_access_revoke(access, ioas);

	mutex_lock(&access->lock);
	if (!ret)
		access->ioas = NULL;
	access->busy = false;
	mutex_unlock(&access->lock);
	if (ret)
		return ret;

	pvfio_access_leave(access, ioas, index);
	pvfio_object_unhold(&ioas->obj);
	return 0;
}
EXPORT_SYMBOL_GPL(pvfio_access_detach);

/**
 * pvfio_access_replace() - move an attached access to another IOAS
 * @access: the access
 * @ioas_id: the new IOAS
 *
 * While it runs, new pins fail (-EBUSY) and unpins keep working.  Every pin
 * on the old IOAS gets the unmap callback for the whole address space; when
 * this returns, the access no longer holds the old IOAS, which can be
 * destroyed at once.  If the new IOAS cannot take the access (-EINVAL: a
 * mapping not aligned as the access needs) or the consumer keeps its old
 * pins (-EDEADLOCK), the access stays fully usable on the old IOAS.
 * Replacing onto the current IOAS does nothing.
 *
 * Return: 0, -ENOENT detached or no such IOAS, -EBUSY another
 * attach/detach/replace is running, -EINVAL, -EDEADLOCK, -ENOMEM.
 */
int pvfio_access_replace(struct pvfio_access *access, u32 ioas_id)
{
	struct pvfio_ioas *new, *old;
	u32 new_index, old_index;
	int ret = 0;

	new = pvfio_get_ioas(access->ctx, ioas_id);
	if (IS_ERR(new))
		return PTR_ERR(new);

	mutex_lock(&access->lock);
	if (access->busy)
		ret = -EBUSY;
	else if (!access->ioas)
		ret = -ENOENT;
	if (ret || access->ioas == new) {
		mutex_unlock(&access->lock);
		pvfio_object_put(&new->obj);
		return ret;
	}
	access->busy = true;
	old = access->ioas;
	old_index = access->ioas_index;
	mutex_unlock(&access->lock);

	/* The new attachment's hold. */
	if (!pvfio_object_hold(&new->obj)) {
		ret = -ENOENT;
		goto err_not_busy;
	}
	ret = pvfio_access_join(access, new, &new_index);
	if (ret)
		goto err_unhold_new;
	ret = pvfio_access_revoke(access, old);
	if (ret)
		goto err_leave_new;

	mutex_lock(&access->lock);
	access->ioas = new;
	access->ioas_index = new_index;
	access->busy = false;
	mutex_unlock(&access->lock);

	pvfio_access_leave(access, old, old_index);
	pvfio_object_unhold(&old->obj);
	pvfio_object_put(&new->obj);
	return 0;

err_leave_new:
	pvfio_access_leave(access, new, new_index);
err_unhold_new:
	pvfio_object_unhold(&new->obj);
err_not_busy:
	mutex_lock(&access->lock);
	access->busy = false;
	mutex_unlock(&access->lock);
	pvfio_object_put(&new->obj);
	return ret;
}
EXPORT_SYMBOL_GPL(pvfio_access_replace);

/**
 * pvfio_access_pin_pages() - pin an IOVA range for the consumer
 * @access: an attached access with an unmap callback
 * @iova: first IOVA, any alignment
 * @length: bytes, non-zero
 * @out_pages: filled with one page pointer per page the range touches:
 *             (ALIGN(@iova + @length, PAGE_SIZE) - ALIGN_DOWN(@iova,
 *             PAGE_SIZE)) >> PAGE_SHIFT entries
 * @flags: PVFIO_ACCESS_WRITE to write the pages
 *
 * The pages stay valid until the consumer calls pvfio_access_unpin_pages()
 * with exactly this @iova and @length, which it must do at the latest from
 * its unmap callback for a range overlapping this one.
 *
 * The whole pages the range touches are pinned, as iommufd does; the
 * access must have been created with at least PAGE_SIZE alignment.
 *
 * Return: 0, -EINVAL no unmap callback or alignment below a page, -EOVERFLOW,
 * -ENOENT detached or not fully mapped, -EPERM write to a read-only mapping,
 * -EBUSY an unmap of the range or a replace is running, -ENOMEM.
 */
int pvfio_access_pin_pages(struct pvfio_access *access, unsigned long iova,
			   unsigned long length, struct page **out_pages,
			   unsigned int flags)
{
	struct pvfio_pin_rec *pin;
	struct pvfio_ioas *ioas;
	unsigned long last;
	int ret;

	if (!access->ops || !access->ops->unmap ||
	    access->iova_alignment < PAGE_SIZE)
		return -EINVAL;
	if (flags & ~PVFIO_ACCESS_WRITE)
		return -EINVAL;
	if (!length)
		return -EINVAL;
	if (check_add_overflow(iova, length - 1, &last))
		return -EOVERFLOW;

	pin = pvfio_kzalloc(sizeof(*pin), GFP_KERNEL_ACCOUNT);
	if (!pin)
		return -ENOMEM;
	pin->node.start = iova;
	pin->node.last = last;
	pin->write = flags & PVFIO_ACCESS_WRITE;
	pin->pending = true;

	mutex_lock(&access->lock);
	ioas = access->ioas;
	if (access->busy)
		ret = -EBUSY;
	else if (!ioas)
		ret = -ENOENT;
	else
		ret = 0;
	if (ret)
		goto err_unlock;
	pin->ioas = ioas;

	/*
	 * Record the pin before taking it, so that an unmap that sees the
	 * area pinned also finds whom to call.
	 */
	spin_lock(&access->pins_lock);
	interval_tree_insert(&pin->node, &access->pins);
	spin_unlock(&access->pins_lock);
	ret = pvfio_iopt_access_pin(&ioas->iopt, iova & PAGE_MASK,
				    last | ~PAGE_MASK, out_pages, pin->write);
	if (ret) {
		spin_lock(&access->pins_lock);
		interval_tree_remove(&pin->node, &access->pins);
		spin_unlock(&access->pins_lock);
		goto err_unlock;
	}
	spin_lock(&access->pins_lock);
	pin->pending = false;
	spin_unlock(&access->pins_lock);
	mutex_unlock(&access->lock);
	atomic64_inc(&pvfio_nr_access_pins);
	return 0;

err_unlock:
	mutex_unlock(&access->lock);
	kfree(pin);
	return ret;
}
EXPORT_SYMBOL_GPL(pvfio_access_pin_pages);

/**
 * pvfio_access_unpin_pages() - release a pin
 * @access: the access that made the pin
 * @iova: the @iova it was pinned with
 * @length: the @length it was pinned with
 *
 * Works during a replace, for pins on the old IOAS too.  Unpinning what the
 * access did not pin is a bug in the caller: it WARNs once and does nothing.
 */
void pvfio_access_unpin_pages(struct pvfio_access *access, unsigned long iova,
			      unsigned long length)
{
	struct pvfio_pin_rec *pin = NULL;
	struct interval_tree_node *node;
	unsigned long last;

	if (WARN_ON_ONCE(!length ||
			 check_add_overflow(iova, length - 1, &last)))
		return;

	mutex_lock(&access->lock);
	spin_lock(&access->pins_lock);
	/*
	 * Identical pins are interchangeable, but a write pin must be the
	 * last to go so that the pages are dirtied after the last write.
	 */
	for (node = interval_tree_iter_first(&access->pins, iova, last); node;
	     node = interval_tree_iter_next(node, iova, last)) {
		struct pvfio_pin_rec *cand = container_of(node,
							  struct pvfio_pin_rec,
							  node);

		if (node->start != iova || node->last != last || cand->pending)
			continue;
		if (!pin || pin->write)
			pin = cand;
		if (!pin->write)
			break;
	}
	spin_unlock(&access->pins_lock);
	if (WARN_ON_ONCE(!pin))
		goto out_unlock;
	/*
	 * Release the area's count before the record: an unmap that still
	 * sees the area pinned must still find whom to call (the call then
	 * waits for the consumer's own unpin to finish).
	 */
	pvfio_iopt_access_unpin(&pin->ioas->iopt, iova & PAGE_MASK,
				last | ~PAGE_MASK, pin->write);
	spin_lock(&access->pins_lock);
	interval_tree_remove(&pin->node, &access->pins);
	spin_unlock(&access->pins_lock);
	kfree(pin);
	atomic64_dec(&pvfio_nr_access_pins);
out_unlock:
	mutex_unlock(&access->lock);
}
EXPORT_SYMBOL_GPL(pvfio_access_unpin_pages);

/**
 * pvfio_access_rw() - copy between a kernel buffer and IOVA through the CPU
 * @access: an attached access (an unmap callback is not needed)
 * @iova: first IOVA, any alignment
 * @data: kernel buffer
 * @length: bytes, non-zero
 * @flags: PVFIO_ACCESS_WRITE copies @data to the IOVA range
 *
 * Callable from any process context, a kernel thread included.
 *
 * Return: 0, -ENOENT detached or not fully mapped, -EPERM a write into a
 * read-only mapping (nothing written), -EINVAL, -EOVERFLOW.
 */
int pvfio_access_rw(struct pvfio_access *access, unsigned long iova,
		    void *data, size_t length, unsigned int flags)
{
	struct pvfio_ioas *ioas;
	int ret;

	if (flags & ~PVFIO_ACCESS_WRITE)
		return -EINVAL;

	mutex_lock(&access->lock);
	ioas = access->ioas;
	/*
	 * A replace may let go of @ioas meanwhile: a short-term use, which a
	 * DESTROY of it right after the replace waits for, never fails on.
	 */
	if (ioas)
		pvfio_object_use(&ioas->obj);
	mutex_unlock(&access->lock);
	if (!ioas)
		return -ENOENT;

	ret = pvfio_iopt_rw(&ioas->iopt, iova, data, length,
			    flags & PVFIO_ACCESS_WRITE);
	pvfio_object_put(&ioas->obj);
	return ret;
}
EXPORT_SYMBOL_GPL(pvfio_access_rw);
