/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvfio in-kernel API: what other modules (emulated devices, test drivers)
 * call to use pvfio's I/O address spaces.  Every function is exported GPL
 * with a pvfio_ prefix; none shares a name with iommufd or vfio, so pvfio
 * loads next to either.
 */
#ifndef _LINUX_PVFIO_H
#define _LINUX_PVFIO_H

struct file;
struct pvfio_ctx;

struct pvfio_ctx *pvfio_ctx_get_from_file(struct file *file);
void pvfio_ctx_put(struct pvfio_ctx *ctx);

#endif /* _LINUX_PVFIO_H */
