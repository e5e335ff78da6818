# SPDX-License-Identifier: GPL-2.0
#
# User targets.  `make` builds module/pvfio.ko for KDIR (default: the running
# kernel's build tree).  `make check` runs every test on every target kernel
# in QEMU; `make demo` shows pvfio working on an emulated VT-d machine.

KDIR ?= /lib/modules/$(shell uname -r)/build
PVFIO_CACHE ?= /var/cache/pvfio
export PVFIO_CACHE

.PHONY: all modules clean check demo uapi-check tests

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C tests clean

tests:
	$(MAKE) -C tests

uapi-check:
	$(MAKE) -C tests uapi-check

check:
	bash tests/vm/check.sh $(CELLS)

demo:
	bash tests/vm/demo.sh
