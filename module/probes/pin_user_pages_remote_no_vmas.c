// SPDX-License-Identifier: GPL-2.0
/*
 * pin_user_pages_remote() lost its vmas argument: upstream 0b295316b3a9
 * ("mm/gup: remove unused vmas parameter from pin_user_pages_remote()"), 6.5.
 */
#include <linux/mm.h>

static long __maybe_unused pvfio_probe(struct mm_struct *mm,
				       struct page **pages, int *locked)
{
	return pin_user_pages_remote(mm, 0, 1, FOLL_WRITE | FOLL_LONGTERM,
				     pages, locked);
}
