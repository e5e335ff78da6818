# SPDX-License-Identifier: GPL-2.0
#
# User targets.  `make` builds module/pvfio.ko for KDIR (default: the running
# kernel's build tree).  `make check` runs every test on every target kernel
# in QEMU; `make demo` shows pvfio working on an emulated VT-d machine.

KDIR ?= /lib/modules/$(shell uname -r)/build
PVFIO_CACHE ?= /var/cache/pvfio
export PVFIO_CACHE

.PHONY: all modules clean check demo uapi-check tests

# `make fuzz SECONDS=N CELLS="..." [SEED=S] [THREADS=N] [AVOID=list]`:
# `make check` with a fuzzer pass of N seconds (tests/fuzz/) in each cell.
SECONDS ?= 300
.PHONY: fuzz

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

# Needs no kernel tree: removes what any kernel's build left.
clean:
	find module tests/consumer \( -name '*.o' -o -name '*.ko' -o -name '*.mod' \
		-o -name '*.mod.c' -o -name '.*.cmd' -o -name '.*.d' \
		-o -name modules.order \) -delete
	find module -maxdepth 1 -name '.probes-*' -exec rm -rf {} +
	rm -f Module.symvers modules.order .module-common.o .*.cmd
	$(MAKE) -C tests clean
	rm -rf tests/vm/out

tests:
	$(MAKE) -C tests

uapi-check:
	$(MAKE) -C tests uapi-check

check:
	bash tests/vm/check.sh $(CELLS)

demo:
	bash tests/vm/demo.sh

# `make bench [CELLS="6.12-vtd ..."]`: pvfio beside VFIO type1 on the stock
# 6.12 kernel, one boot per IOMMU (tests/vm/bench.sh; README "Benchmarks").
.PHONY: bench
bench:
	bash tests/vm/bench.sh $(CELLS)

# SECONDS is unset for check.sh: bash would take it as its own clock.
fuzz:
	env -u SECONDS \
	PVFIO_FUZZ_APPEND="pvfio.fuzz_seconds=$(SECONDS)$(if $(SEED), pvfio.fuzz_seed=$(SEED))$(if $(THREADS), pvfio.fuzz_threads=$(THREADS))$(if $(AVOID), pvfio.fuzz_avoid=$(AVOID))" \
	PVFIO_CELL_TIMEOUT=$$(( $(SECONDS) + $${PVFIO_CELL_TIMEOUT:-900} )) \
	bash tests/vm/check.sh $(CELLS)

# `make deb`: the pvfio-dkms and pvfio-dev packages in build/deb/ (DEB_OUT),
# built by dpkg-buildpackage (dh + dh-dkms) in a copy of the checkout's
# files (tracked, plus untracked ones not ignored), so the checkout stays
# clean; then lintian, which must report no error and no warning.
DEB_OUT ?= $(CURDIR)/build/deb
.PHONY: deb
deb:
	rm -rf $(DEB_OUT)/src
	rm -f $(DEB_OUT)/pvfio-dkms_*.deb $(DEB_OUT)/pvfio-dev_*.deb \
		$(DEB_OUT)/pvfio_*.changes $(DEB_OUT)/pvfio_*.buildinfo
	mkdir -p $(DEB_OUT)/src
	git ls-files -z --cached --others --exclude-standard | xargs -0 sh -c \
		'for f do [ ! -e "$$f" ] || cp -a --parents -t "$$0" "$$f" || exit 1; done' $(DEB_OUT)/src
	cd $(DEB_OUT)/src && dpkg-buildpackage -us -uc -b
	rm -rf $(DEB_OUT)/src
	lintian --fail-on error,warning $(DEB_OUT)/pvfio_*.changes
	ls -l $(DEB_OUT)/pvfio-dkms_*.deb $(DEB_OUT)/pvfio-dev_*.deb
