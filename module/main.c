// SPDX-License-Identifier: GPL-2.0
/*
 * pvfio: the character device, the per-open context, its object table and
 * the ioctl dispatcher that enforces the ABI rules of uapi/pvfio.h for every
 * command.
 */

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "../include/pvfio.h"
#include "pvfio_private.h"

static ushort dev_mode = 0600;
module_param(dev_mode, ushort, 0444);
MODULE_PARM_DESC(dev_mode,
		 "Permissions of /dev/pvfio (default 0600: root only); pair with a udev GROUP rule to hand it to a group");

bool pvfio_enable_test_ops;
module_param_named(enable_test_ops, pvfio_enable_test_ops, bool, 0444);
MODULE_PARM_DESC(enable_test_ops,
		 "Enable the PVFIO_TEST operations used by the test suites (default off; never on a production host)");

atomic64_t pvfio_nr_contexts = ATOMIC64_INIT(0);
atomic64_t pvfio_nr_objects = ATOMIC64_INIT(0);
atomic64_t pvfio_nr_pinned_pages = ATOMIC64_INIT(0);
atomic64_t pvfio_nr_accesses = ATOMIC64_INIT(0);
atomic64_t pvfio_nr_access_pins = ATOMIC64_INIT(0);

/* Woken when an object's last short-term user lets go of it. */
static DECLARE_WAIT_QUEUE_HEAD(pvfio_destroy_wait);

/**
 * pvfio_object_alloc() - allocate an object and reserve its ID
 * @ctx: the context the object will live in
 * @size: size of the containing structure, starting with struct pvfio_object
 * @type: the object's type
 *
 * The ID is reserved but lookups do not find the object until
 * pvfio_object_finalize().  On any later failure call pvfio_object_abort().
 *
 * Return: the object, or an ERR_PTR.
 */
struct pvfio_object *pvfio_object_alloc(struct pvfio_ctx *ctx, size_t size,
					enum pvfio_object_type type)
{
	struct pvfio_object *obj;
	int ret;

	if (WARN_ON(size < sizeof(*obj)))
		return ERR_PTR(-EINVAL);

	obj = pvfio_kzalloc(size, GFP_KERNEL_ACCOUNT);
	if (!obj)
		return ERR_PTR(-ENOMEM);
	obj->type = type;
	refcount_set(&obj->users, 1);
	refcount_set(&obj->shortterm_users, 1);

	ret = pvfio_xa_alloc(&ctx->objects, &obj->id, XA_ZERO_ENTRY,
			     xa_limit_31b, GFP_KERNEL_ACCOUNT);
	if (ret)
		goto err_free;
	atomic64_inc(&pvfio_nr_objects);
	return obj;

err_free:
	kfree(obj);
	return ERR_PTR(ret == -EBUSY ? -ENOSPC : ret);
}

static void pvfio_object_free(struct pvfio_object *obj)
{
	kfree(obj);
	atomic64_dec(&pvfio_nr_objects);
}

/**
 * pvfio_object_abort() - release an object that was never published
 * @ctx: its context
 * @obj: an object from pvfio_object_alloc() that was not finalized
 *
 * The caller has already undone whatever it set up inside @obj.
 */
void pvfio_object_abort(struct pvfio_ctx *ctx, struct pvfio_object *obj)
{
	xa_erase(&ctx->objects, obj->id);
	pvfio_object_free(obj);
}

/**
 * pvfio_object_finalize() - publish an object under its reserved ID
 * @ctx: its context
 * @obj: an object from pvfio_object_alloc(), fully set up
 *
 * From here on other threads can look the object up and destroy it, so the
 * caller must not touch @obj afterwards without a reference.
 */
void pvfio_object_finalize(struct pvfio_ctx *ctx, struct pvfio_object *obj)
{
	void *old;

	/* The slot exists since pvfio_object_alloc(): no allocation happens. */
	old = xa_store(&ctx->objects, obj->id, obj, GFP_KERNEL);
	WARN_ON(xa_is_err(old));
}

/**
 * pvfio_object_get() - look an object up by ID for a short-term use
 * @ctx: the context
 * @id: the ID userspace gave
 * @type: the type the caller needs, or PVFIO_OBJ_ANY
 *
 * The reference lets the caller use the object until pvfio_object_put(); it
 * never makes DESTROY fail (DESTROY waits for it).  To keep the object
 * beyond the call, take a long-term reference with pvfio_object_hold().
 *
 * Return: the object, or ERR_PTR(-ENOENT) when @id is not a published
 * object of @type in @ctx or is being destroyed.
 */
struct pvfio_object *pvfio_object_get(struct pvfio_ctx *ctx, u32 id,
				      enum pvfio_object_type type)
{
	struct pvfio_object *obj;

	xa_lock(&ctx->objects);
	obj = xa_load(&ctx->objects, id);
	if (!obj || (type != PVFIO_OBJ_ANY && obj->type != type) ||
	    !refcount_inc_not_zero(&obj->shortterm_users))
		obj = ERR_PTR(-ENOENT);
	xa_unlock(&ctx->objects);
	return obj;
}

/**
 * pvfio_object_put() - drop a short-term reference
 * @obj: from pvfio_object_get() or pvfio_object_use()
 */
void pvfio_object_put(struct pvfio_object *obj)
{
	if (refcount_dec_and_test(&obj->shortterm_users))
		wake_up_all(&pvfio_destroy_wait);
}

static void (*const pvfio_object_destroy_fns[PVFIO_OBJ_MAX])(struct pvfio_object *) = {
	[PVFIO_OBJ_IOAS] = pvfio_ioas_destroy,
	[PVFIO_OBJ_HWPT] = pvfio_hwpt_destroy,
	[PVFIO_OBJ_DEVICE] = pvfio_device_destroy,
	[PVFIO_OBJ_MOCK_DEVICE] = pvfio_mock_device_destroy,
	[PVFIO_OBJ_IFD_DEVICE] = pvfio_ifd_idev_destroy,
	[PVFIO_OBJ_IFD_SELFTEST] = pvfio_ifd_stdev_destroy,
};

/* @obj is unpublished and nobody can use it any more. */
static void pvfio_object_destroy(struct pvfio_object *obj)
{
	if (!WARN_ON(obj->type >= PVFIO_OBJ_MAX ||
		     !pvfio_object_destroy_fns[obj->type]))
		pvfio_object_destroy_fns[obj->type](obj);
	pvfio_object_free(obj);
}

/*
 * Take @obj, whose last long-term reference (the table's) the caller just
 * took away, out of use: its ID slot holds XA_ZERO_ENTRY, so lookups miss
 * it and new long-term holds fail.  Wait for the calls still using it
 * (they looked it up before), then free the ID and destroy it.
 *
 * The wait can be long (a call blocked on user memory) and is killable:
 * then the object is put back as it was and -EINTR returned.
 */
static int pvfio_object_retire(struct pvfio_ctx *ctx, struct pvfio_object *obj)
{
	if (!refcount_dec_and_test(&obj->shortterm_users) &&
	    wait_event_killable(pvfio_destroy_wait,
				!refcount_read(&obj->shortterm_users)) &&
	    refcount_inc_not_zero(&obj->shortterm_users)) {
		refcount_set(&obj->users, 1);
		/* The slot is there: storing into it allocates nothing. */
		WARN_ON(xa_is_err(xa_store(&ctx->objects, obj->id, obj,
					   GFP_KERNEL)));
		return -EINTR;
	}
	xa_erase(&ctx->objects, obj->id);
	pvfio_object_destroy(obj);
	return 0;
}

/**
 * pvfio_object_remove() - unpublish and destroy an object nothing depends on
 * @ctx: its context
 * @id: its ID
 *
 * Calls using the object right now (ioctls in flight) are waited for; only
 * long-term users (dependent objects) make this fail.  Unlike iommufd,
 * whose lookups count as users (DESTROY then fails with EBUSY while any
 * ioctl uses the object), an ioctl in flight never makes DESTROY fail.
 *
 * Return: 0, -ENOENT no such object, -EBUSY another object depends on it,
 * -EINTR killed while waiting (the object is still there).
 */
int pvfio_object_remove(struct pvfio_ctx *ctx, u32 id)
{
	struct pvfio_object *obj;
	int ret = 0;

	xa_lock(&ctx->objects);
	obj = xa_load(&ctx->objects, id);
	if (!obj) {
		ret = -ENOENT;
		goto out_unlock;
	}
	/* Only the table's long-term reference left: take it away. */
	if (!refcount_dec_if_one(&obj->users)) {
		ret = -EBUSY;
		goto out_unlock;
	}
	__xa_store(&ctx->objects, id, XA_ZERO_ENTRY, GFP_ATOMIC);
out_unlock:
	xa_unlock(&ctx->objects);
	if (ret)
		return ret;
	return pvfio_object_retire(ctx, obj);
}

/**
 * pvfio_object_unhold_remove() - drop a long-term reference, destroying the
 *				  object if only the ID table's is left
 * @ctx: the object's context
 * @obj: the object, held long-term by the caller
 *
 * For objects that live only as long as something depends on them (an
 * automatic page table and its devices).  Short-term users (an ioctl that
 * just looked the ID up) never keep the object alive: they are waited for.
 * A new long-term user racing this either gets in first, and the object
 * stays, or fails its pvfio_object_hold().  If the caller is killed while
 * waiting, the object stays in the table, where DESTROY or closing the
 * context removes it.
 */
void pvfio_object_unhold_remove(struct pvfio_ctx *ctx,
				struct pvfio_object *obj)
{
	bool retire = false;

	xa_lock(&ctx->objects);
	pvfio_object_unhold(obj);
	if (xa_load(&ctx->objects, obj->id) == obj &&
	    refcount_dec_if_one(&obj->users)) {
		__xa_store(&ctx->objects, obj->id, XA_ZERO_ENTRY, GFP_ATOMIC);
		retire = true;
	}
	xa_unlock(&ctx->objects);
	if (retire)
		pvfio_object_retire(ctx, obj);
}

int pvfio_destroy(struct pvfio_ucmd *ucmd)
{
	struct pvfio_destroy *cmd = ucmd->cmd;

	return pvfio_object_remove(ucmd->ctx, cmd->id);
}

/**
 * pvfio_ucmd_respond() - copy a command struct back to userspace
 * @ucmd: the command
 * @cmd_len: the kernel's size of the struct
 *
 * Copies no more than userspace passed in, so an older binary with a shorter
 * struct never has memory past its struct overwritten.
 *
 * Return: 0 or -EFAULT.
 */
int pvfio_ucmd_respond(struct pvfio_ucmd *ucmd, size_t cmd_len)
{
	if (pvfio_copy_to_user(ucmd->ubuffer, ucmd->cmd,
			       min_t(size_t, ucmd->user_size, cmd_len)))
		return -EFAULT;
	return 0;
}

/**
 * pvfio_ctx_open() - create the context of a new open of either node
 * @inode: the node's inode
 * @filp: the new file
 * @ifd: the open is of /dev/pvfio-iommufd (iommufd's ABI)
 *
 * Return: 0 or -ENOMEM.
 */
int pvfio_ctx_open(struct inode *inode, struct file *filp, bool ifd)
{
	struct pvfio_ctx *ctx;

	ctx = pvfio_kzalloc(sizeof(*ctx), GFP_KERNEL_ACCOUNT);
	if (!ctx)
		return -ENOMEM;
	xa_init_flags(&ctx->objects, XA_FLAGS_ALLOC1 | XA_FLAGS_ACCOUNT);
	mutex_init(&ctx->accesses_lock);
	INIT_LIST_HEAD(&ctx->accesses);
	ctx->account_mode = PVFIO_ACCOUNT_USER;
	ctx->ifd = ifd;
	ctx->file = filp;
	filp->private_data = ctx;
	atomic64_inc(&pvfio_nr_contexts);
	pvfio_debugfs_ctx_add(ctx);
	return nonseekable_open(inode, filp);
}

static int pvfio_fops_open(struct inode *inode, struct file *filp)
{
	return pvfio_ctx_open(inode, filp, false);
}

/*
 * Destroy the accesses still on a closing context: userspace ones whose fd
 * is still open (the fd then fails with ENODEV).  In-kernel consumers hold
 * the context's file until they destroyed theirs, so any found is a bug.
 */
static void pvfio_ctx_destroy_accesses(struct pvfio_ctx *ctx)
{
	struct pvfio_access *access;
	struct pvfio_uaccess *ua;

	for (;;) {
		ua = NULL;
		mutex_lock(&ctx->accesses_lock);
		access = list_first_entry_or_null(&ctx->accesses,
						  struct pvfio_access,
						  ctx_item);
		if (access && access->user)
			ua = pvfio_uaccess_ctx_gone(access, ctx);
		mutex_unlock(&ctx->accesses_lock);
		if (!access)
			return;
		if (ua) {
			pvfio_uaccess_kill_put(ua);
		} else {
			/* A consumer let go of the context first: a bug in it. */
			WARN_ON_ONCE(1);
			pvfio_access_destroy(access);
		}
	}
}

/**
 * pvfio_ctx_release() - destroy a closing file's context and its objects
 * @inode: the node's inode
 * @filp: the file
 *
 * Return: 0.
 */
int pvfio_ctx_release(struct inode *inode, struct file *filp)
{
	struct pvfio_ctx *ctx = filp->private_data;
	struct pvfio_object *obj;
	unsigned long index;
	bool progress;

	/* Waits for debugfs reads of the context. */
	pvfio_debugfs_ctx_remove(ctx);
	pvfio_fail_nth_ctx_gone(ctx);
	/* Accesses hold the IOASes they are attached to: they go first. */
	pvfio_ctx_destroy_accesses(ctx);

	/*
	 * No ioctl can run any more, but objects hold references on the
	 * objects they depend on.  Destroy in rounds: each round takes every
	 * object nothing depends on any more, which releases the next layer.
	 */
	while (!xa_empty(&ctx->objects)) {
		progress = false;
		xa_for_each(&ctx->objects, index, obj) {
			if (!refcount_dec_if_one(&obj->users))
				continue;
			xa_erase(&ctx->objects, index);
			/*
			 * No ioctl, access or debugfs read is left to use it:
			 * the published reference is the last short-term one.
			 */
			WARN_ON(!refcount_dec_and_test(&obj->shortterm_users));
			pvfio_object_destroy(obj);
			progress = true;
		}
		/* A reference cycle would be a pvfio bug: leak, do not hang. */
		if (WARN_ON(!progress))
			break;
	}
	xa_destroy(&ctx->objects);
	mutex_destroy(&ctx->accesses_lock);
	kfree(ctx);
	atomic64_dec(&pvfio_nr_contexts);
	return 0;
}

union pvfio_ucmd_buffer {
	struct pvfio_destroy destroy;
	struct pvfio_ioas_alloc ioas_alloc;
	struct pvfio_ioas_iova_ranges iova_ranges;
	struct pvfio_ioas_map map;
	struct pvfio_ioas_map_file map_file;
	struct pvfio_ioas_unmap unmap;
	struct pvfio_ioas_copy copy;
	struct pvfio_ioas_allow_iovas allow_iovas;
	struct pvfio_option option;
	struct pvfio_hwpt_alloc hwpt_alloc;
	struct pvfio_device_bind bind;
	struct pvfio_device_info info;
	struct pvfio_device_attach attach;
	struct pvfio_device_detach detach;
	struct pvfio_access_create access_create;
	struct pvfio_access_pin access_pin;
	struct pvfio_access_unpin access_unpin;
	struct pvfio_access_rw access_rw;
	struct pvfio_access_ioas access_ioas;
	struct pvfio_access_detach access_detach;
	struct pvfio_ioas_set_dirty_tracking set_dirty_tracking;
	struct pvfio_ioas_get_dirty_bitmap get_dirty_bitmap;
	struct pvfio_test_cmd test;
};

#define __PVFIO_IOCTL(_ioctl, _fn, _struct, _last, _test, _access)	\
	[_IOC_NR(_ioctl) - PVFIO_CMD_BASE] = {				\
		.size = sizeof(_struct) +				\
			BUILD_BUG_ON_ZERO(sizeof(union pvfio_ucmd_buffer) < \
					  sizeof(_struct)),		\
		.min_size = offsetofend(_struct, _last),		\
		.ioctl_num = _ioctl,					\
		.test_only = _test,					\
		.on_access = _access,					\
		.execute = _fn,						\
	}
#define PVFIO_IOCTL(_ioctl, _fn, _struct, _last, _test)			\
	__PVFIO_IOCTL(_ioctl, _fn, _struct, _last, _test, false)
#define PVFIO_ACCESS_IOCTL(_ioctl, _fn, _struct, _last)			\
	__PVFIO_IOCTL(_ioctl, _fn, _struct, _last, false, true)

static const struct pvfio_ioctl_op pvfio_ioctl_ops[] = {
	PVFIO_IOCTL(PVFIO_DESTROY, pvfio_destroy, struct pvfio_destroy, id,
		    false),
	PVFIO_IOCTL(PVFIO_IOAS_ALLOC, pvfio_ioas_alloc_ioctl,
		    struct pvfio_ioas_alloc, out_ioas_id, false),
	PVFIO_IOCTL(PVFIO_IOAS_IOVA_RANGES, pvfio_ioas_iova_ranges,
		    struct pvfio_ioas_iova_ranges, out_iova_alignment, false),
	PVFIO_IOCTL(PVFIO_IOAS_MAP, pvfio_ioas_map, struct pvfio_ioas_map, iova,
		    false),
	PVFIO_IOCTL(PVFIO_IOAS_MAP_FILE, pvfio_ioas_map_file,
		    struct pvfio_ioas_map_file, iova, false),
	PVFIO_IOCTL(PVFIO_IOAS_UNMAP, pvfio_ioas_unmap, struct pvfio_ioas_unmap,
		    length, false),
	PVFIO_IOCTL(PVFIO_IOAS_COPY, pvfio_ioas_copy, struct pvfio_ioas_copy,
		    src_iova, false),
	PVFIO_IOCTL(PVFIO_IOAS_ALLOW_IOVAS, pvfio_ioas_allow_iovas,
		    struct pvfio_ioas_allow_iovas, allowed_iovas, false),
	PVFIO_IOCTL(PVFIO_OPTION, pvfio_option, struct pvfio_option, val64,
		    false),
	PVFIO_IOCTL(PVFIO_HWPT_ALLOC, pvfio_hwpt_alloc_ioctl,
		    struct pvfio_hwpt_alloc, __reserved, false),
	PVFIO_IOCTL(PVFIO_DEVICE_BIND, pvfio_device_bind,
		    struct pvfio_device_bind, __reserved, false),
	PVFIO_IOCTL(PVFIO_DEVICE_INFO, pvfio_device_info,
		    struct pvfio_device_info, out_iommu_name, false),
	PVFIO_IOCTL(PVFIO_DEVICE_ATTACH, pvfio_device_attach,
		    struct pvfio_device_attach, __reserved, false),
	PVFIO_IOCTL(PVFIO_DEVICE_DETACH, pvfio_device_detach,
		    struct pvfio_device_detach, dev_id, false),
	PVFIO_IOCTL(PVFIO_ACCESS_CREATE, pvfio_access_create_ioctl,
		    struct pvfio_access_create, out_fd, false),
	PVFIO_IOCTL(PVFIO_IOAS_CHANGE_PROCESS, pvfio_ioas_change_process,
		    struct pvfio_ioas_change_process, __reserved, false),
	PVFIO_IOCTL(PVFIO_IOAS_SET_DIRTY_TRACKING, pvfio_ioas_set_dirty_tracking,
		    struct pvfio_ioas_set_dirty_tracking, __reserved, false),
	PVFIO_IOCTL(PVFIO_IOAS_GET_DIRTY_BITMAP, pvfio_ioas_get_dirty_bitmap,
		    struct pvfio_ioas_get_dirty_bitmap, pessimistic, false),
	PVFIO_ACCESS_IOCTL(PVFIO_ACCESS_PIN, pvfio_uaccess_pin,
			   struct pvfio_access_pin, __reserved),
	PVFIO_ACCESS_IOCTL(PVFIO_ACCESS_UNPIN, pvfio_uaccess_unpin,
			   struct pvfio_access_unpin, pin_id),
	PVFIO_ACCESS_IOCTL(PVFIO_ACCESS_RW, pvfio_uaccess_rw,
			   struct pvfio_access_rw, data),
	PVFIO_ACCESS_IOCTL(PVFIO_ACCESS_ATTACH, pvfio_uaccess_attach,
			   struct pvfio_access_ioas, ioas_id),
	PVFIO_ACCESS_IOCTL(PVFIO_ACCESS_REPLACE, pvfio_uaccess_replace,
			   struct pvfio_access_ioas, ioas_id),
	PVFIO_ACCESS_IOCTL(PVFIO_ACCESS_DETACH, pvfio_uaccess_detach,
			   struct pvfio_access_detach, __reserved),
	PVFIO_IOCTL(PVFIO_TEST, pvfio_test_ioctl, struct pvfio_test_cmd,
		    __reserved, true),
};

/**
 * pvfio_ioctl_dispatch() - run one command under the ABI rules
 * @ctx: the context
 * @uaccess: the access fd's state for an access fd command, or NULL
 * @cmd: the ioctl number
 * @arg: the user pointer to the command struct
 *
 * Enforces uapi/pvfio.h's rules for every command of /dev/pvfio and of
 * access fds alike: unknown number or a command of the other kind of file
 * -ENOTTY, short struct -EINVAL, non-zero tail or a size above
 * PVFIO_CMD_SIZE_MAX -E2BIG.
 *
 * Return: the command's result.
 */
long pvfio_ioctl_dispatch(struct pvfio_ctx *ctx, struct pvfio_uaccess *uaccess,
			  unsigned int cmd, unsigned long arg)
{
	const struct pvfio_ioctl_op *op;
	union pvfio_ucmd_buffer buf;
	struct pvfio_ucmd ucmd = {
		.ctx = ctx,
		.uaccess = uaccess,
		.ubuffer = (void __user *)arg,
		.cmd = &buf,
	};
	unsigned int nr = _IOC_NR(cmd);

	if (_IOC_TYPE(cmd) != PVFIO_TYPE || nr < PVFIO_CMD_BASE ||
	    nr - PVFIO_CMD_BASE >= ARRAY_SIZE(pvfio_ioctl_ops))
		return -ENOTTY;
	op = &pvfio_ioctl_ops[nr - PVFIO_CMD_BASE];
	if (op->ioctl_num != cmd || !op->execute ||
	    op->on_access != !!uaccess)
		return -ENOTTY;
	if (op->test_only && !pvfio_enable_test_ops)
		return -ENOTTY;
	return pvfio_ucmd_run(&ucmd, op);
}

/**
 * pvfio_ucmd_run() - read a command struct under the size rules and run it
 * @ucmd: the command, @ucmd->cmd a buffer of at least @op->size bytes
 * @op: how to run it
 *
 * The size rules both front ends share (iommufd's): a struct shorter than
 * its last mandatory field -EINVAL, a longer one with a non-zero tail, or
 * claiming more than PVFIO_CMD_SIZE_MAX, -E2BIG.
 *
 * Return: the command's result.
 */
long pvfio_ucmd_run(struct pvfio_ucmd *ucmd, const struct pvfio_ioctl_op *op)
{
	int ret;

	ret = get_user(ucmd->user_size, (u32 __user *)ucmd->ubuffer);
	if (ret)
		return ret;
	if (ucmd->user_size < op->min_size)
		return -EINVAL;
	/*
	 * No struct will ever be that large; checking a tail of up to 4 GiB
	 * for zeroes would hold the CPU for seconds (clone3's rule).
	 */
	if (ucmd->user_size > PVFIO_CMD_SIZE_MAX)
		return -E2BIG;
	ret = copy_struct_from_user(ucmd->cmd, op->size, ucmd->ubuffer,
				    ucmd->user_size);
	if (ret)
		return ret;
	return op->execute(ucmd);
}

static long pvfio_fops_ioctl(struct file *filp, unsigned int cmd,
			     unsigned long arg)
{
	return pvfio_ioctl_dispatch(filp->private_data, NULL, cmd, arg);
}

static const struct file_operations pvfio_fops = {
	.owner = THIS_MODULE,
	.open = pvfio_fops_open,
	.release = pvfio_ctx_release,
	.unlocked_ioctl = pvfio_fops_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

/**
 * pvfio_ctx_get_from_file() - get the pvfio context behind a file
 * @file: a file the caller holds, expected to be an open of /dev/pvfio
 *
 * The context stays valid until pvfio_ctx_put(): the file is held, so the
 * owner closing its descriptor does not free the context under the caller.
 *
 * Return: the context, or ERR_PTR(-EBADF) if @file is not a pvfio file.
 */
struct pvfio_ctx *pvfio_ctx_get_from_file(struct file *file)
{
	if (file->f_op != &pvfio_fops && !pvfio_ifd_file(file))
		return ERR_PTR(-EBADF);
	get_file(file);
	return file->private_data;
}
EXPORT_SYMBOL_GPL(pvfio_ctx_get_from_file);

/**
 * pvfio_ctx_put() - drop a context from pvfio_ctx_get_from_file()
 * @ctx: the context
 *
 * If this was the last reference to the file, every object in the context
 * is destroyed, so the caller must have released its own objects first.
 */
void pvfio_ctx_put(struct pvfio_ctx *ctx)
{
	fput(ctx->file);
}
EXPORT_SYMBOL_GPL(pvfio_ctx_put);

static struct miscdevice pvfio_misc_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "pvfio",
	.nodename = "pvfio",
	.fops = &pvfio_fops,
};

static int __init pvfio_init(void)
{
	int ret;

	if (dev_mode & ~0666) {
		pr_err("dev_mode %#o: only read/write permission bits are allowed\n",
		       dev_mode);
		return -EINVAL;
	}
	pvfio_misc_dev.mode = dev_mode;

	pvfio_debugfs_init();
	ret = pvfio_pci_driver_register();
	if (ret)
		goto err_debugfs;
	ret = misc_register(&pvfio_misc_dev);
	if (ret)
		goto err_unregister_pci;
	ret = pvfio_ifd_register(dev_mode);
	if (ret)
		goto err_deregister_misc;
	if (pvfio_enable_test_ops)
		pr_warn("test operations enabled: this host is for testing only\n");
	return 0;

err_deregister_misc:
	misc_deregister(&pvfio_misc_dev);
err_unregister_pci:
	pvfio_pci_driver_unregister();
err_debugfs:
	pvfio_debugfs_exit();
	return ret;
}

static void __exit pvfio_exit(void)
{
	pvfio_ifd_unregister();
	misc_deregister(&pvfio_misc_dev);
	pvfio_pci_driver_unregister();
	pvfio_debugfs_exit();
	WARN_ON(atomic64_read(&pvfio_nr_objects));
	WARN_ON(atomic64_read(&pvfio_nr_pinned_pages));
	WARN_ON(atomic64_read(&pvfio_nr_accesses));
	WARN_ON(atomic64_read(&pvfio_nr_access_pins));
}

module_init(pvfio_init);
module_exit(pvfio_exit);

MODULE_LICENSE("GPL");
MODULE_VERSION(PVFIO_VERSION);
MODULE_AUTHOR("The pvfio developers");
MODULE_DESCRIPTION("pvfio: iommufd-style I/O address spaces and access objects for stock kernels");
