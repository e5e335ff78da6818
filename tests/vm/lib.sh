# shellcheck shell=bash
# Shared helpers for the pvfio VM scripts (sourced, not executed).
#
# Everything downloaded or built lives in the cache, outside the checkout:
#   $PVFIO_CACHE (default /var/cache/pvfio)
#     k/<kernel>/env      shell-sourceable facts about one kernel (fetch.sh)
#     k/<kernel>/root/    extracted kernel image (+ modules, + headers for arm64)
#     sid-chroot/         Debian sid chroot that builds modules for 7.2
#     apt-arm64/          private apt configuration for bookworm arm64
#     arm64-sysroot/      arm64 userspace (busybox, libcmocka, libkmod + deps)

PVFIO_CACHE=${PVFIO_CACHE:-/var/cache/pvfio}
# shellcheck disable=SC2034  # for the scripts that source this file
PVFIO_VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

PVFIO_KERNELS=(6.1 6.12 7.2 arm64-6.1 6.12dbg)
PVFIO_CELLS=(6.1-vtd 6.1-amdvi 6.12-vtd 6.12-amdvi 6.12-virtio
             7.2-vtd 7.2-amdvi 7.2-virtio arm64-6.1-smmuv3 6.12dbg-vtd)

export LC_ALL=C

log()  { printf '[pvfio-vm %s] %s\n' "${0##*/}" "$*" >&2; }
die()  { log "ERROR: $*"; exit 1; }

is_kernel() { local k; for k in "${PVFIO_KERNELS[@]}"; do [[ $k == "$1" ]] && return 0; done; return 1; }
is_cell()   { local c; for c in "${PVFIO_CELLS[@]}"; do [[ $c == "$1" ]] && return 0; done; return 1; }

# A cell is <kernel>-<iommu>: "7.2-virtio" -> kernel 7.2, iommu virtio.
cell_kernel() { echo "${1%-*}"; }
cell_iommu()  { echo "${1##*-}"; }

kdir_of()  { echo "$PVFIO_CACHE/k/$1"; }

# Source the env file written by fetch.sh for one kernel.
load_kenv() {
    is_kernel "$1" || die "unknown kernel '$1' (known: ${PVFIO_KERNELS[*]})"
    local f; f="$(kdir_of "$1")/env"
    [[ -f $f ]] || die "kernel $1 not fetched yet: run tests/vm/fetch.sh $1"
    # shellcheck disable=SC1090
    source "$f"
}

# Install host Debian packages that are missing (apt-get update only if needed).
ensure_host_pkgs() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed || missing+=("$p")
    done
    ((${#missing[@]})) || return 0
    [[ $(id -u) == 0 ]] || die "need root to install: ${missing[*]}"
    log "installing host packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y --no-install-recommends "${missing[@]}" >&2; then
        log "apt-get install failed; running apt-get update and retrying"
        apt-get update >&2
        apt-get install -y --no-install-recommends "${missing[@]}" >&2
    fi
}

# Make sure the host's apt lists exist (a fresh machine may have none).
ensure_apt_lists() {
    if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
        log "no apt lists on the host: apt-get update"
        apt-get update >&2
    fi
}

# Run "$@" holding an exclusive lock named $1 in the cache (serialises
# concurrent runs that touch the same cache object).
with_lock() {
    local name=$1; shift
    mkdir -p "$PVFIO_CACHE/locks"
    (
        flock 9
        "$@"
    ) 9>"$PVFIO_CACHE/locks/$name.lock"
}

# Decompress (or copy) one kernel module file to a plain .ko.
decompress_ko() {
    local src=$1 dst=$2
    case $src in
        *.ko.xz)  xz -dc "$src" >"$dst" ;;
        *.ko.zst) zstd -qdc "$src" >"$dst" ;;
        *.ko.gz)  gzip -dc "$src" >"$dst" ;;
        *.ko)     cp "$src" "$dst" ;;
        *) die "not a kernel module: $src" ;;
    esac
}
