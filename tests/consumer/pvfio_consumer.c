// SPDX-License-Identifier: GPL-2.0
/*
 * pvfio_consumer: a second module that proves pvfio's in-kernel API.  It is
 * compiled against include/pvfio.h only and linked through pvfio's exported
 * symbols; each open of /dev/pvfio-consumer is one consumer with one access
 * that pins, copies (also from a kernel thread), receives unmap
 * notifications and is replaced.  Its pin-keeping mode keeps its pins, which
 * pvfio must answer with -EDEADLOCK and exactly one WARN.
 */
#include <linux/completion.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/kthread.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "../../include/pvfio.h"
#include "pvfio_consumer.h"

struct consumer_pin {
	unsigned long iova;
	unsigned long length;
	struct page **pages;
};

struct consumer {
	struct mutex lock;	/* pins, stats */
	struct pvfio_ctx *ctx;
	struct pvfio_access *access;
	bool keep_pins;
	struct consumer_pin pins[PVFIO_CONSUMER_MAX_PINS];
	struct pvfio_consumer_stats stats;
};

static void consumer_unpin(struct consumer *c, struct consumer_pin *pin)
{
	pvfio_access_unpin_pages(c->access, pin->iova, pin->length);
	kvfree(pin->pages);
	pin->pages = NULL;
	c->stats.out_pins--;
}

/* pvfio's unmap callback: unpin everything inside the range. */
static void consumer_unmap(void *data, unsigned long iova, unsigned long length)
{
	struct consumer *c = data;
	unsigned long last = iova + length - 1;
	int i;

	mutex_lock(&c->lock);
	c->stats.out_callbacks++;
	c->stats.out_last_iova = iova;
	c->stats.out_last_length = length;
	for (i = 0; i < PVFIO_CONSUMER_MAX_PINS && !c->keep_pins; i++) {
		struct consumer_pin *pin = &c->pins[i];

		if (!pin->pages || !pin->length || pin->iova > last ||
		    pin->iova + pin->length - 1 < iova)
			continue;
		consumer_unpin(c, pin);
		c->stats.out_revoked++;
	}
	mutex_unlock(&c->lock);
}

static const struct pvfio_access_ops consumer_ops = {
	.unmap = consumer_unmap,
};

static const struct pvfio_access_ops consumer_ops_no_callback = {};

static long consumer_setup(struct consumer *c, void __user *arg)
{
	struct pvfio_consumer_setup s;
	struct file *file;
	int ret;

	if (copy_from_user(&s, arg, sizeof(s)))
		return -EFAULT;
	if (c->ctx)
		return -EBUSY;
	file = fget(s.pvfio_fd);
	if (!file)
		return -EBADF;
	c->ctx = pvfio_ctx_get_from_file(file);
	fput(file);
	if (IS_ERR(c->ctx)) {
		ret = PTR_ERR(c->ctx);
		c->ctx = NULL;
		return ret;
	}
	c->keep_pins = s.flags & PVFIO_CONSUMER_KEEP_PINS;
	c->access = pvfio_access_create(c->ctx,
					s.flags & PVFIO_CONSUMER_NO_CALLBACK ?
					&consumer_ops_no_callback :
					&consumer_ops, c, 0);
	if (IS_ERR(c->access)) {
		ret = PTR_ERR(c->access);
		goto err_put_ctx;
	}
	ret = pvfio_access_attach(c->access, s.ioas_id);
	if (ret)
		goto err_destroy;
	return 0;

err_destroy:
	pvfio_access_destroy(c->access);
err_put_ctx:
	pvfio_ctx_put(c->ctx);
	c->ctx = NULL;
	c->access = NULL;
	return ret;
}

static long consumer_pin(struct consumer *c, void __user *arg)
{
	struct pvfio_consumer_pin p;
	struct consumer_pin *pin = NULL;
	struct page **pages;
	int i, ret;

	if (copy_from_user(&p, arg, sizeof(p)))
		return -EFAULT;
	if (!p.length || p.length > SZ_16M)
		return -EINVAL;
	if (p.iova + p.length - 1 < p.iova)
		return -EOVERFLOW;
	/* One entry per page the range touches, aligned or not. */
	pages = kvcalloc(((p.iova + p.length - 1) >> PAGE_SHIFT) -
			 (p.iova >> PAGE_SHIFT) + 1, sizeof(*pages),
			 GFP_KERNEL);
	if (!pages)
		return -ENOMEM;

	mutex_lock(&c->lock);
	for (i = 0; i < PVFIO_CONSUMER_MAX_PINS; i++) {
		if (!c->pins[i].pages) {
			pin = &c->pins[i];
			break;
		}
	}
	if (!pin) {
		ret = -ENOSPC;
		goto out_unlock;
	}
	/*
	 * Pin holding the lock consumer_unmap() takes, as include/pvfio.h
	 * asks: an unmap racing this pin waits, then finds the pin recorded.
	 */
	ret = pvfio_access_pin_pages(c->access, p.iova, p.length, pages,
				     p.write ? PVFIO_ACCESS_WRITE : 0);
	if (ret)
		goto out_unlock;
	pin->pages = pages;
	pin->iova = p.iova;
	pin->length = p.length;
	pages = NULL;
	c->stats.out_pins++;
	p.out_index = i;
	mutex_unlock(&c->lock);
	return copy_to_user(arg, &p, sizeof(p)) ? -EFAULT : 0;

out_unlock:
	mutex_unlock(&c->lock);
	kvfree(pages);
	return ret;
}

struct consumer_rw_work {
	struct consumer *c;
	unsigned long iova;
	void *buf;
	size_t length;
	unsigned int flags;
	int ret;
	struct completion done;
};

static int consumer_rw_thread(void *data)
{
	struct consumer_rw_work *w = data;

	/* A kernel thread has no mm: pvfio must not need one. */
	w->ret = current->mm ? -EINVAL :
		 pvfio_access_rw(w->c->access, w->iova, w->buf, w->length,
				 w->flags);
	complete(&w->done);
	return 0;
}

static long consumer_rw(struct consumer *c, void __user *arg)
{
	struct pvfio_consumer_rw r;
	struct consumer_rw_work w = { .c = c };
	struct task_struct *t;
	void __user *udata;

	if (copy_from_user(&r, arg, sizeof(r)))
		return -EFAULT;
	if (!r.length || r.length > SZ_1M)
		return -EINVAL;
	udata = u64_to_user_ptr(r.data);
	w.buf = kvmalloc(r.length, GFP_KERNEL);
	if (!w.buf)
		return -ENOMEM;
	w.iova = r.iova;
	w.length = r.length;
	w.flags = r.write ? PVFIO_ACCESS_WRITE : 0;
	init_completion(&w.done);
	if (r.write && copy_from_user(w.buf, udata, r.length)) {
		w.ret = -EFAULT;
		goto out_free;
	}
	if (r.kthread) {
		t = kthread_run(consumer_rw_thread, &w, "pvfio-consumer-rw");
		if (IS_ERR(t)) {
			w.ret = PTR_ERR(t);
			goto out_free;
		}
		wait_for_completion(&w.done);
	} else {
		w.ret = pvfio_access_rw(c->access, w.iova, w.buf, w.length,
					w.flags);
	}
	if (!w.ret && !r.write && copy_to_user(udata, w.buf, r.length))
		w.ret = -EFAULT;
out_free:
	kvfree(w.buf);
	return w.ret;
}

static long consumer_page(struct consumer *c, void __user *arg)
{
	struct pvfio_consumer_page p;
	struct consumer_pin *pin;
	char *va;
	int ret = 0;

	if (copy_from_user(&p, arg, sizeof(p)))
		return -EFAULT;
	if (p.index >= PVFIO_CONSUMER_MAX_PINS || p.offset >= PAGE_SIZE)
		return -EINVAL;
	mutex_lock(&c->lock);
	pin = &c->pins[p.index];
	if (!pin->pages || !pin->length ||
	    p.page >= pin->length >> PAGE_SHIFT) {
		ret = -ENOENT;
	} else {
		va = kmap_local_page(pin->pages[p.page]);
		p.out_byte = (u8)va[p.offset];
		kunmap_local(va);
	}
	mutex_unlock(&c->lock);
	if (ret)
		return ret;
	return copy_to_user(arg, &p, sizeof(p)) ? -EFAULT : 0;
}

static void consumer_unpin_all(struct consumer *c)
{
	int i;

	mutex_lock(&c->lock);
	for (i = 0; i < PVFIO_CONSUMER_MAX_PINS; i++)
		if (c->pins[i].pages && c->pins[i].length)
			consumer_unpin(c, &c->pins[i]);
	mutex_unlock(&c->lock);
}

static long consumer_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	struct consumer *c = file->private_data;
	void __user *uarg = (void __user *)arg;
	u32 ioas;

	if (cmd != PVFIO_CONSUMER_SETUP && !c->access)
		return -ENOENT;
	switch (cmd) {
	case PVFIO_CONSUMER_SETUP:
		return consumer_setup(c, uarg);
	case PVFIO_CONSUMER_PIN:
		return consumer_pin(c, uarg);
	case PVFIO_CONSUMER_UNPIN_ALL:
		consumer_unpin_all(c);
		return 0;
	case PVFIO_CONSUMER_RW:
		return consumer_rw(c, uarg);
	case PVFIO_CONSUMER_REPLACE:
		if (get_user(ioas, (u32 __user *)uarg))
			return -EFAULT;
		return pvfio_access_replace(c->access, ioas);
	case PVFIO_CONSUMER_DETACH:
		return pvfio_access_detach(c->access);
	case PVFIO_CONSUMER_STATS:
		return copy_to_user(uarg, &c->stats, sizeof(c->stats)) ?
		       -EFAULT : 0;
	case PVFIO_CONSUMER_PAGE:
		return consumer_page(c, uarg);
	default:
		return -ENOTTY;
	}
}

static int consumer_open(struct inode *inode, struct file *file)
{
	struct consumer *c = kzalloc(sizeof(*c), GFP_KERNEL);

	if (!c)
		return -ENOMEM;
	mutex_init(&c->lock);
	file->private_data = c;
	return nonseekable_open(inode, file);
}

static int consumer_release(struct inode *inode, struct file *file)
{
	struct consumer *c = file->private_data;

	if (c->access) {
		/* A pin-keeping consumer is told to let go now. */
		c->keep_pins = false;
		consumer_unpin_all(c);
		pvfio_access_destroy(c->access);
		pvfio_ctx_put(c->ctx);
	}
	kfree(c);
	return 0;
}

static const struct file_operations consumer_fops = {
	.owner = THIS_MODULE,
	.open = consumer_open,
	.release = consumer_release,
	.unlocked_ioctl = consumer_ioctl,
};

static struct miscdevice consumer_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "pvfio-consumer",
	.fops = &consumer_fops,
	.mode = 0600,
};

module_misc_device(consumer_misc);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("pvfio test consumer: uses only pvfio's in-kernel access API");
