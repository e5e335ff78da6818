/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvfio in-kernel API: what other modules (emulated devices, test drivers)
 * call to use pvfio's I/O address spaces through access objects, the way
 * iommufd's emulated-device users do.  Every function is exported GPL with
 * a pvfio_ prefix; none shares a name with iommufd or vfio, so pvfio loads
 * next to either.
 *
 * The contract, in short: an access with an unmap callback may PIN IOVA
 * ranges and gets page pointers that stay valid until it UNPINs them.
 * Whenever the owner of the IOAS unmaps (or a replace moves the access away
 * from) a range the access has pinned, pvfio calls its unmap callback with
 * the whole range and the consumer must unpin everything it pinned inside
 * it before returning.  RW needs no callback.
 */
#ifndef _LINUX_PVFIO_H
#define _LINUX_PVFIO_H

#include <linux/bits.h>
#include <linux/types.h>

struct file;
struct page;
struct pvfio_ctx;
struct pvfio_access;

/**
 * struct pvfio_access_ops - what pvfio calls back into a consumer
 * @unmap: [@iova, @iova + @length) is going away (unmapped, or, for a
 *         replace or detach, all of the old IOAS: @iova 0, @length
 *         ULONG_MAX).  Called without pvfio locks held, from the thread
 *         doing the unmap; the consumer must call pvfio_access_unpin_pages()
 *         for every pin it holds inside the range before returning, and
 *         must not attach, detach, replace or destroy the access from here.
 *         So that every pin it holds is one it can find here, the consumer
 *         must hold the lock this callback takes across
 *         pvfio_access_pin_pages() and the recording of the pin (pvfio
 *         never waits for a callback while pinning: this cannot deadlock).
 *         May be called again if pins remain; after a bounded number of
 *         rounds the unmap fails with -EDEADLOCK and, for an in-kernel
 *         consumer, pvfio WARNs once.
 */
struct pvfio_access_ops {
	void (*unmap)(void *data, unsigned long iova, unsigned long length);
};

/* pvfio_access_pin_pages() and pvfio_access_rw() flags */
#define PVFIO_ACCESS_WRITE	BIT(0)	/* pin for / copy to the device side */

struct pvfio_ctx *pvfio_ctx_get_from_file(struct file *file);
void pvfio_ctx_put(struct pvfio_ctx *ctx);

struct pvfio_access *pvfio_access_create(struct pvfio_ctx *ctx,
					 const struct pvfio_access_ops *ops,
					 void *data, unsigned long iova_alignment);
void pvfio_access_destroy(struct pvfio_access *access);
int pvfio_access_attach(struct pvfio_access *access, u32 ioas_id);
int pvfio_access_replace(struct pvfio_access *access, u32 ioas_id);
int pvfio_access_detach(struct pvfio_access *access);
/*
 * pvfio_access_pin_pages() fills one page pointer per page [@iova, @iova +
 * @length) touches: size @out_pages for an unaligned range accordingly.
 */
int pvfio_access_pin_pages(struct pvfio_access *access, unsigned long iova,
			   unsigned long length, struct page **out_pages,
			   unsigned int flags);
void pvfio_access_unpin_pages(struct pvfio_access *access, unsigned long iova,
			      unsigned long length);
int pvfio_access_rw(struct pvfio_access *access, unsigned long iova,
		    void *data, size_t length, unsigned int flags);

#endif /* _LINUX_PVFIO_H */
