/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvfio private definitions: the object model, the context, the IOAS and the
 * IOVA space.  Nothing here is visible to other modules; include/pvfio.h is
 * the in-kernel API and uapi/pvfio.h the userspace one.
 *
 * Lock order, outermost first:
 *
 *   pvfio_iopt.iova_rwsem
 *     pvfio_ctx.objects xa_lock (spinlock: no sleeping, no other lock taken)
 *
 * The object table's xa_lock is a leaf: it is only held to look up, publish
 * or unpublish an object and to take or drop its table reference.
 */
#ifndef PVFIO_PRIVATE_H
#define PVFIO_PRIVATE_H

#include <linux/interval_tree.h>
#include <linux/refcount.h>
#include <linux/rwsem.h>
#include <linux/types.h>
#include <linux/xarray.h>

#include "../uapi/pvfio.h"

struct file;
struct pvfio_ctx;

enum pvfio_object_type {
	PVFIO_OBJ_NONE,
	PVFIO_OBJ_ANY = PVFIO_OBJ_NONE,
	PVFIO_OBJ_IOAS,
	PVFIO_OBJ_MOCK_DEVICE,
	PVFIO_OBJ_MAX,
};

/**
 * struct pvfio_object - header every object of a context starts with
 * @users: one reference for the ID table plus one for every other object,
 *         ioctl or kernel user currently holding the object.  DESTROY
 *         succeeds only when the table's reference is the last one.
 * @type: what the object is
 * @id: the ID userspace knows it by, private to its context
 *
 * Creation is two-phase: pvfio_object_alloc() reserves an ID that nobody can
 * look up yet; pvfio_object_finalize() publishes the object once nothing can
 * fail any more, or pvfio_object_abort() releases it.
 */
struct pvfio_object {
	refcount_t users;
	enum pvfio_object_type type;
	u32 id;
};

/**
 * struct pvfio_ctx - one open of /dev/pvfio
 * @file: the file this context lives in
 * @objects: ID -> struct pvfio_object; a reserved, unpublished ID holds
 *           XA_ZERO_ENTRY so lookups do not see it
 */
struct pvfio_ctx {
	struct file *file;
	struct xarray objects;
};

/**
 * struct pvfio_ucmd - one ioctl in flight
 * @ctx: the context the ioctl runs on
 * @ubuffer: userspace address of the command struct
 * @user_size: the size userspace claimed in the struct's first field
 * @cmd: the kernel's copy of the struct, at least the kernel's size, with
 *       anything userspace did not pass zeroed
 */
struct pvfio_ucmd {
	struct pvfio_ctx *ctx;
	void __user *ubuffer;
	u32 user_size;
	void *cmd;
};

int pvfio_ucmd_respond(struct pvfio_ucmd *ucmd, size_t cmd_len);

/* Object table, main.c */
struct pvfio_object *pvfio_object_alloc(struct pvfio_ctx *ctx, size_t size,
					enum pvfio_object_type type);
void pvfio_object_abort(struct pvfio_ctx *ctx, struct pvfio_object *obj);
void pvfio_object_finalize(struct pvfio_ctx *ctx, struct pvfio_object *obj);
struct pvfio_object *pvfio_object_get(struct pvfio_ctx *ctx, u32 id,
				      enum pvfio_object_type type);

/**
 * pvfio_object_put() - drop a reference taken by pvfio_object_get()
 * @obj: the object
 *
 * The ID table always holds the last reference, so a put never frees.
 */
static inline void pvfio_object_put(struct pvfio_object *obj)
{
	WARN_ON(refcount_dec_and_test(&obj->users));
}

/**
 * pvfio_object_hold() - take a long-term reference on a held object
 * @obj: an object the caller already holds a reference on
 *
 * Used by objects that depend on another one (a device attached to an IOAS),
 * which DESTROY then refuses with -EBUSY.  Drop with pvfio_object_put().
 */
static inline void pvfio_object_hold(struct pvfio_object *obj)
{
	refcount_inc(&obj->users);
}

/* Module-wide counters, for the test operations and the unload checks. */
extern atomic64_t pvfio_nr_contexts;
extern atomic64_t pvfio_nr_objects;
extern atomic64_t pvfio_nr_pinned_pages;

/*
 * The IOVA space of an IOAS, io_pagetable.c.
 */

/**
 * struct pvfio_iopt - IOVA space of an IOAS
 * @iova_rwsem: protects the interval trees and @iova_alignment
 * @allowed_itree: ranges ALLOW_IOVAS permits; empty means all of them
 * @reserved_itree: ranges nothing may be mapped at (struct pvfio_reserved)
 * @iova_alignment: alignment every mapping's IOVA and length must have
 */
struct pvfio_iopt {
	struct rw_semaphore iova_rwsem;
	struct rb_root_cached allowed_itree;
	struct rb_root_cached reserved_itree;
	unsigned long iova_alignment;
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

/*
 * IOAS, ioas.c
 */

/**
 * struct pvfio_ioas - an I/O address space object
 * @obj: object header
 * @iopt: its IOVA space
 */
struct pvfio_ioas {
	struct pvfio_object obj;
	struct pvfio_iopt iopt;
};

static inline struct pvfio_ioas *pvfio_get_ioas(struct pvfio_ctx *ctx, u32 id)
{
	struct pvfio_object *obj = pvfio_object_get(ctx, id, PVFIO_OBJ_IOAS);

	if (IS_ERR(obj))
		return ERR_CAST(obj);
	return container_of(obj, struct pvfio_ioas, obj);
}

int pvfio_ioas_alloc_ioctl(struct pvfio_ucmd *ucmd);
int pvfio_ioas_iova_ranges(struct pvfio_ucmd *ucmd);
void pvfio_ioas_destroy(struct pvfio_object *obj);

/*
 * Test operations, selftest.c
 */
extern bool pvfio_enable_test_ops;
int pvfio_test_ioctl(struct pvfio_ucmd *ucmd);
void pvfio_mock_device_destroy(struct pvfio_object *obj);

#endif /* PVFIO_PRIVATE_H */
