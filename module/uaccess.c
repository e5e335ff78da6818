// SPDX-License-Identifier: GPL-2.0
/*
 * The userspace access: an access file descriptor through which a test
 * program or a userspace emulated device pins, unpins, copies and reads
 * unmap events.  It is a consumer of the in-kernel access API (access.c),
 * like any other module: its unmap callback revokes the pins inside the
 * range and queues an event naming them.
 *
 * Lock order: pvfio_uaccess.rwsem (read by ioctls, write to destroy the
 * access) -> pvfio_uaccess.lock (pins and events; taken by the unmap
 * callback) -> the access's own locks.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "../include/pvfio.h"
#include "pvfio_private.h"

#define PVFIO_UACCESS_DEFAULT_EVENTS 64
#define PVFIO_UACCESS_MAX_EVENTS 4096
#define PVFIO_UACCESS_MAX_PIN SZ_1G
#define PVFIO_UACCESS_MAX_RW SZ_1M
#define PVFIO_UACCESS_MAX_PINS 65536

/**
 * struct pvfio_upin - a pin made through an access fd
 * @iova: first IOVA
 * @length: bytes
 */
struct pvfio_upin {
	unsigned long iova;
	unsigned long length;
};

struct pvfio_uevent {
	struct list_head item;
	struct pvfio_access_event ev;
};

/**
 * struct pvfio_uaccess - state behind an access fd
 * @kref: the fd's reference, and the context's while it destroys the access
 * @rwsem: held for read by ioctls using @access, for write to destroy it
 * @access: the in-kernel access; valid until @dead
 * @dead: @access is destroyed (fd closed, or the context went first)
 * @lock: protects @pins, @events, @nr_events, @lost, @keep_pins
 * @pins: pin ID -> struct pvfio_upin
 * @events: queued struct pvfio_uevent
 * @nr_events: entries in @events
 * @max_events: queue length
 * @lost: events dropped since the last read
 * @keep_pins: test operation: keep pins when asked to unpin
 * @read_wq: readers and pollers
 */
struct pvfio_uaccess {
	struct kref kref;
	struct rw_semaphore rwsem;
	struct pvfio_access *access;
	bool dead;
	struct mutex lock;	/* pins, events, the unmap callback */
	struct xarray pins;
	struct list_head events;
	unsigned int nr_events;
	unsigned int max_events;
	u64 lost;
	bool keep_pins;
	wait_queue_head_t read_wq;
};

static void pvfio_uaccess_release(struct kref *kref)
{
	struct pvfio_uaccess *ua = container_of(kref, struct pvfio_uaccess,
						kref);
	struct pvfio_uevent *ue, *tmp;

	list_for_each_entry_safe(ue, tmp, &ua->events, item)
		kfree(ue);
	xa_destroy(&ua->pins);
	mutex_destroy(&ua->lock);
	kfree(ua);
}

/**
 * pvfio_uaccess_debug_events() - an access fd's event counts, for debugfs
 * @data: the cookie of an access with @user set, still on its context
 * @nr_events: set to the events queued
 * @lost: set to the events lost since the last read
 *
 * A snapshot read without pvfio_uaccess.lock, which ranks above the locks
 * the caller holds.  @data stays valid: the state is freed only after its
 * access left the context's list, under the context's accesses_lock.
 */
void pvfio_uaccess_debug_events(void *data, unsigned int *nr_events,
				u64 *lost)
{
	struct pvfio_uaccess *ua = data;

	*nr_events = READ_ONCE(ua->nr_events);
	*lost = READ_ONCE(ua->lost);
}

static void pvfio_uaccess_put(struct pvfio_uaccess *ua)
{
	kref_put(&ua->kref, pvfio_uaccess_release);
}

/* Queue an event, or count it as lost if the queue is full. */
static void pvfio_uaccess_queue(struct pvfio_uaccess *ua,
				struct pvfio_uevent *ue)
{
	lockdep_assert_held(&ua->lock);

	if (ua->nr_events >= ua->max_events) {
		ua->lost++;
		kfree(ue);
		return;
	}
	list_add_tail(&ue->item, &ua->events);
	ua->nr_events++;
}

static struct pvfio_uevent *pvfio_uevent_new(unsigned long iova,
					     unsigned long length)
{
	struct pvfio_uevent *ue = pvfio_kzalloc(sizeof(*ue),
					       GFP_KERNEL_ACCOUNT);

	if (ue) {
		ue->ev.type = PVFIO_ACCESS_EVENT_UNMAP;
		ue->ev.iova = iova;
		ue->ev.length = length;
	}
	return ue;
}

/*
 * The unmap callback: revoke every pin inside the range, and tell
 * userspace which.  An event that cannot be allocated counts as lost.
 */
static void pvfio_uaccess_unmap(void *data, unsigned long iova,
				unsigned long length)
{
	struct pvfio_uaccess *ua = data;
	unsigned long last = iova + length - 1, id;
	struct pvfio_uevent *ue = NULL;
	struct pvfio_upin *upin;

	mutex_lock(&ua->lock);
	if (ua->keep_pins)
		goto out_unlock;
	xa_for_each(&ua->pins, id, upin) {
		if (upin->iova > last || upin->iova + upin->length - 1 < iova)
			continue;
		pvfio_access_unpin_pages(ua->access, upin->iova, upin->length);
		xa_erase(&ua->pins, id);
		kfree(upin);
		cond_resched();

		if (ue && ue->ev.nr_pins == PVFIO_ACCESS_EVENT_PINS) {
			pvfio_uaccess_queue(ua, ue);
			ue = NULL;
		}
		if (!ue) {
			ue = pvfio_uevent_new(iova, length);
			if (!ue) {
				ua->lost++;
				continue;
			}
		}
		ue->ev.pin_ids[ue->ev.nr_pins++] = id;
	}
	if (ue)
		pvfio_uaccess_queue(ua, ue);
out_unlock:
	mutex_unlock(&ua->lock);
	wake_up_interruptible(&ua->read_wq);
}

static const struct pvfio_access_ops pvfio_uaccess_ops = {
	.unmap = pvfio_uaccess_unmap,
};

/*
 * Destroy the access, once: from the fd's release or from the context's.
 * The write lock waits for ioctls in flight.
 */
static void pvfio_uaccess_kill(struct pvfio_uaccess *ua)
{
	struct pvfio_upin *upin;
	unsigned long id;

	down_write(&ua->rwsem);
	if (!ua->dead) {
		pvfio_access_destroy(ua->access);
		mutex_lock(&ua->lock);
		ua->dead = true;
		/* A pin-keeping access's pins were dropped with it. */
		xa_for_each(&ua->pins, id, upin) {
			xa_erase(&ua->pins, id);
			kfree(upin);
		}
		mutex_unlock(&ua->lock);
	}
	up_write(&ua->rwsem);
	wake_up_interruptible(&ua->read_wq);
}

/**
 * pvfio_uaccess_ctx_gone() - destroy a userspace access with its context
 * @access: an access with @access->user set, on the closing context
 * @ctx: the context, whose accesses_lock the caller holds
 *
 * Return: the state to kill after dropping the lock, referenced.
 */
struct pvfio_uaccess *pvfio_uaccess_ctx_gone(struct pvfio_access *access,
					     struct pvfio_ctx *ctx)
{
	struct pvfio_uaccess *ua = access->data;

	lockdep_assert_held(&ctx->accesses_lock);
	kref_get(&ua->kref);
	return ua;
}

/**
 * pvfio_uaccess_kill_put() - finish what pvfio_uaccess_ctx_gone() started
 * @ua: the state it returned
 */
void pvfio_uaccess_kill_put(struct pvfio_uaccess *ua)
{
	pvfio_uaccess_kill(ua);
	pvfio_uaccess_put(ua);
}

static int pvfio_uaccess_fops_release(struct inode *inode, struct file *file)
{
	pvfio_uaccess_kill_put(file->private_data);
	return 0;
}

static ssize_t pvfio_uaccess_fops_read(struct file *file, char __user *buf,
				       size_t count, loff_t *ppos)
{
	struct pvfio_uaccess *ua = file->private_data;
	size_t done = 0, evsz = sizeof(struct pvfio_access_event);
	struct pvfio_access_event overflow = {
		.type = PVFIO_ACCESS_EVENT_OVERFLOW,
	};
	struct pvfio_uevent *ue, *tmp;
	LIST_HEAD(taken);
	int ret;

	if (count < evsz)
		return -EINVAL;

	mutex_lock(&ua->lock);
	while (list_empty(&ua->events) && !ua->lost) {
		if (ua->dead) {
			mutex_unlock(&ua->lock);
			return -ENODEV;
		}
		mutex_unlock(&ua->lock);
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		ret = wait_event_interruptible(ua->read_wq,
					       READ_ONCE(ua->nr_events) ||
					       READ_ONCE(ua->lost) ||
					       READ_ONCE(ua->dead));
		if (ret)
			return ret;
		mutex_lock(&ua->lock);
	}
	/*
	 * Take what fits and copy it without the lock: a slow or faulting
	 * reader must not hold up the unmap callback, which takes this lock.
	 * Losses come first, so that the reader learns it missed something.
	 */
	overflow.lost = ua->lost;
	ua->lost = 0;
	if (overflow.lost)
		done += evsz;
	while (done + evsz <= count && !list_empty(&ua->events)) {
		list_move_tail(ua->events.next, &taken);
		ua->nr_events--;
		done += evsz;
	}
	mutex_unlock(&ua->lock);

	done = 0;
	ret = 0;
	if (overflow.lost) {
		if (pvfio_copy_to_user(buf, &overflow, evsz))
			ret = -EFAULT;
		else
			done += evsz;
	}
	list_for_each_entry_safe(ue, tmp, &taken, item) {
		if (ret || pvfio_copy_to_user(buf + done, &ue->ev, evsz)) {
			ret = -EFAULT;
			break;
		}
		list_del(&ue->item);
		kfree(ue);
		done += evsz;
	}
	if (ret) {
		/* Give back what was not delivered, in order, at the head. */
		mutex_lock(&ua->lock);
		if (overflow.lost && !done)
			ua->lost += overflow.lost;
		list_for_each_entry(ue, &taken, item)
			ua->nr_events++;
		list_splice(&taken, &ua->events);
		mutex_unlock(&ua->lock);
	}
	return done ? done : ret;
}

static __poll_t pvfio_uaccess_fops_poll(struct file *file,
					struct poll_table_struct *wait)
{
	struct pvfio_uaccess *ua = file->private_data;
	__poll_t mask = 0;

	poll_wait(file, &ua->read_wq, wait);
	mutex_lock(&ua->lock);
	if (ua->nr_events || ua->lost)
		mask |= EPOLLIN | EPOLLRDNORM;
	if (ua->dead)
		mask |= EPOLLHUP | EPOLLERR;
	mutex_unlock(&ua->lock);
	return mask;
}

static long pvfio_uaccess_fops_ioctl(struct file *file, unsigned int cmd,
				     unsigned long arg)
{
	struct pvfio_uaccess *ua = file->private_data;
	long ret;

	down_read(&ua->rwsem);
	if (ua->dead)
		ret = -ENODEV;
	else
		ret = pvfio_ioctl_dispatch(ua->access->ctx, ua, cmd, arg);
	up_read(&ua->rwsem);
	return ret;
}

static const struct file_operations pvfio_uaccess_fops = {
	.owner = THIS_MODULE,
	.release = pvfio_uaccess_fops_release,
	.read = pvfio_uaccess_fops_read,
	.poll = pvfio_uaccess_fops_poll,
	.unlocked_ioctl = pvfio_uaccess_fops_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

int pvfio_access_create_ioctl(struct pvfio_ucmd *ucmd)
{
	struct pvfio_access_create *cmd = ucmd->cmd;
	struct pvfio_access *access;
	struct pvfio_uaccess *ua;
	struct file *file;
	int fd, ret;

	if (cmd->flags)
		return -EOPNOTSUPP;
	if (cmd->event_queue_len > PVFIO_UACCESS_MAX_EVENTS)
		return -EINVAL;

	ua = pvfio_kzalloc(sizeof(*ua), GFP_KERNEL_ACCOUNT);
	if (!ua)
		return -ENOMEM;
	kref_init(&ua->kref);
	init_rwsem(&ua->rwsem);
	mutex_init(&ua->lock);
	xa_init_flags(&ua->pins, XA_FLAGS_ALLOC1 | XA_FLAGS_ACCOUNT);
	INIT_LIST_HEAD(&ua->events);
	init_waitqueue_head(&ua->read_wq);
	ua->max_events = cmd->event_queue_len ?: PVFIO_UACCESS_DEFAULT_EVENTS;

	/* An access fd may pin: it needs at least page alignment. */
	if (cmd->iova_alignment && cmd->iova_alignment < PAGE_SIZE) {
		ret = -EINVAL;
		goto err_put;
	}
	access = pvfio_access_create(ucmd->ctx, &pvfio_uaccess_ops, ua,
				     cmd->iova_alignment);
	if (IS_ERR(access)) {
		ret = PTR_ERR(access);
		goto err_put;
	}
	access->user = true;
	ua->access = access;
	if (cmd->ioas_id) {
		ret = pvfio_access_attach(access, cmd->ioas_id);
		if (ret)
			goto err_destroy;
	}

	fd = pvfio_fail_point() ? -EMFILE : get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		ret = fd;
		goto err_destroy;
	}
	file = pvfio_fail_point() ? ERR_PTR(-ENOMEM) :
		anon_inode_getfile("[pvfio-access]", &pvfio_uaccess_fops, ua,
				   O_RDWR);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		goto err_put_fd;
	}
	cmd->out_fd = fd;
	ret = pvfio_ucmd_respond(ucmd, sizeof(*cmd));
	if (ret) {
		put_unused_fd(fd);
		/* The file's release destroys the access and frees @ua. */
		fput(file);
		return ret;
	}
	fd_install(fd, file);
	return 0;

err_put_fd:
	put_unused_fd(fd);
err_destroy:
	pvfio_access_destroy(access);
err_put:
	pvfio_uaccess_put(ua);
	return ret;
}

int pvfio_uaccess_pin(struct pvfio_ucmd *ucmd)
{
	struct pvfio_access_pin *cmd = ucmd->cmd;
	struct pvfio_uaccess *ua = ucmd->uaccess;
	struct pvfio_upin *upin;
	struct page **pages;
	u32 id;
	int ret;

	if (cmd->__reserved || (cmd->flags & ~PVFIO_ACCESS_RW_WRITE))
		return -EOPNOTSUPP;
	/* An access fd pins whole pages: its pin IDs name page ranges. */
	if (!cmd->length || cmd->length > PVFIO_UACCESS_MAX_PIN ||
	    ((cmd->iova | cmd->length) & ~PAGE_MASK))
		return -EINVAL;
	if (cmd->iova > ULONG_MAX)
		return -EOVERFLOW;

	pages = pvfio_kvcalloc(cmd->length >> PAGE_SHIFT ?: 1, sizeof(*pages),
			       GFP_KERNEL_ACCOUNT);
	upin = pvfio_kzalloc(sizeof(*upin), GFP_KERNEL_ACCOUNT);
	if (!pages || !upin) {
		ret = -ENOMEM;
		goto out_free;
	}
	upin->iova = cmd->iova;
	upin->length = cmd->length;

	mutex_lock(&ua->lock);
	ret = pvfio_xa_alloc(&ua->pins, &id, XA_ZERO_ENTRY,
			     XA_LIMIT(1, PVFIO_UACCESS_MAX_PINS),
			     GFP_KERNEL_ACCOUNT);
	if (ret == -EBUSY)
		ret = -ENOSPC;
	if (ret)
		goto out_unlock;
	ret = pvfio_access_pin_pages(ua->access, cmd->iova, cmd->length, pages,
				     cmd->flags & PVFIO_ACCESS_RW_WRITE ?
				     PVFIO_ACCESS_WRITE : 0);
	if (ret) {
		xa_erase(&ua->pins, id);
		goto out_unlock;
	}
	xa_store(&ua->pins, id, upin, GFP_KERNEL_ACCOUNT);
	upin = NULL;
	mutex_unlock(&ua->lock);

	cmd->out_pin_id = id;
	ret = pvfio_ucmd_respond(ucmd, sizeof(*cmd));
	/* On EFAULT the pin stays: UNPIN by ID is impossible, close frees it. */
	goto out_free;

out_unlock:
	mutex_unlock(&ua->lock);
out_free:
	kfree(upin);
	kvfree(pages);
	return ret;
}

int pvfio_uaccess_unpin(struct pvfio_ucmd *ucmd)
{
	struct pvfio_access_unpin *cmd = ucmd->cmd;
	struct pvfio_uaccess *ua = ucmd->uaccess;
	struct pvfio_upin *upin;

	mutex_lock(&ua->lock);
	upin = xa_erase(&ua->pins, cmd->pin_id);
	if (upin)
		pvfio_access_unpin_pages(ua->access, upin->iova, upin->length);
	mutex_unlock(&ua->lock);
	if (!upin)
		return -ENOENT;
	kfree(upin);
	return 0;
}

int pvfio_uaccess_rw(struct pvfio_ucmd *ucmd)
{
	struct pvfio_access_rw *cmd = ucmd->cmd;
	void __user *udata = u64_to_user_ptr(cmd->data);
	bool write = cmd->flags & PVFIO_ACCESS_RW_WRITE;
	void *buf;
	int ret;

	if (cmd->flags & ~PVFIO_ACCESS_RW_WRITE)
		return -EOPNOTSUPP;
	if (!cmd->length || cmd->length > PVFIO_UACCESS_MAX_RW)
		return -EINVAL;
	if (cmd->iova > ULONG_MAX)
		return -EOVERFLOW;

	buf = pvfio_kvmalloc(cmd->length, GFP_KERNEL_ACCOUNT);
	if (!buf)
		return -ENOMEM;
	if (write && pvfio_copy_from_user(buf, udata, cmd->length)) {
		ret = -EFAULT;
		goto out_free;
	}
	ret = pvfio_access_rw(ucmd->uaccess->access, cmd->iova, buf,
			      cmd->length, write ? PVFIO_ACCESS_WRITE : 0);
	if (!ret && !write && pvfio_copy_to_user(udata, buf, cmd->length))
		ret = -EFAULT;
out_free:
	kvfree(buf);
	return ret;
}

int pvfio_uaccess_attach(struct pvfio_ucmd *ucmd)
{
	struct pvfio_access_ioas *cmd = ucmd->cmd;

	return pvfio_access_attach(ucmd->uaccess->access, cmd->ioas_id);
}

int pvfio_uaccess_replace(struct pvfio_ucmd *ucmd)
{
	struct pvfio_access_ioas *cmd = ucmd->cmd;

	return pvfio_access_replace(ucmd->uaccess->access, cmd->ioas_id);
}

int pvfio_uaccess_detach(struct pvfio_ucmd *ucmd)
{
	struct pvfio_access_detach *cmd = ucmd->cmd;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	return pvfio_access_detach(ucmd->uaccess->access);
}

/**
 * pvfio_uaccess_set_keep_pins() - test operation: keep pins when asked
 * @fd: an access fd of the caller
 * @keep_pins: keep them (true) or behave (false)
 *
 * Return: 0, -EBADF not an access fd.
 */
int pvfio_uaccess_set_keep_pins(int fd, bool keep_pins)
{
	struct pvfio_uaccess *ua;
	struct file *file;

	file = fget(fd);
	if (!file)
		return -EBADF;
	if (file->f_op != &pvfio_uaccess_fops) {
		fput(file);
		return -EBADF;
	}
	ua = file->private_data;
	mutex_lock(&ua->lock);
	ua->keep_pins = keep_pins;
	mutex_unlock(&ua->lock);
	fput(file);
	return 0;
}
