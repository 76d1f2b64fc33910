#!/usr/bin/env bash
# Usage: deploy/stack/build.sh [--force]
#
# Builds Berth's two base images from Debian packages, with no registry:
#   berth/stack:bookworm        run image   (minbase + ca-certificates + tini)
#   berth/stack:bookworm-build  build image (run image + build tools)
# Flow: hash the recipe -> reuse images tagged with that hash -> otherwise
# debootstrap a minbase rootfs, trust the host's extra CAs, `docker import`.
#
# Environment:
#   BERTH_CA_DIR       extra CA certificates to trust (default /usr/local/share/ca-certificates)
#   BERTH_DEBIAN_MIRROR  Debian mirror (default http://deb.debian.org/debian)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
ca_dir="${BERTH_CA_DIR:-/usr/local/share/ca-certificates}"
mirror="${BERTH_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
suite=bookworm
force=0
[[ "${1:-}" == "--force" ]] && force=1

step() { echo "-----> $*"; }
info() { echo "       $*"; }
die() { echo " !     $*" >&2; exit 1; }

command -v debootstrap >/dev/null || die "debootstrap is missing: apt-get install debootstrap"
docker info >/dev/null 2>&1 || die "Docker is not answering: start dockerd first"

packages() { grep -v '^\s*#' "$1" | grep -v '^\s*$' | paste -sd, -; }
run_pkgs="$(packages "$here/packages-run.txt")"
build_pkgs="$(packages "$here/packages-build.txt")"

# The tag carries a hash of everything that shapes the image, so a rerun with
# the same recipe (and the same CAs) is a no-op.
ca_files=()
if [[ -d "$ca_dir" ]]; then
  while IFS= read -r -d '' f; do ca_files+=("$f"); done < <(find "$ca_dir" -maxdepth 1 -name '*.crt' -print0 | sort -z)
fi
recipe_hash="$( { cat "$0" "$here/packages-run.txt" "$here/packages-build.txt"; echo "$mirror"; \
  for f in "${ca_files[@]+"${ca_files[@]}"}"; do cat "$f"; done; } | sha256sum | cut -c1-12)"
run_tag="berth/stack:bookworm-$recipe_hash"
build_tag="berth/stack:bookworm-build-$recipe_hash"

have() { docker image inspect "$1" >/dev/null 2>&1; }
if [[ $force == 0 ]] && have "$run_tag" && have "$build_tag"; then
  docker tag "$run_tag" berth/stack:bookworm
  docker tag "$build_tag" berth/stack:bookworm-build
  step "Stack images are current ($recipe_hash)"
  exit 0
fi

work="$(mktemp -d /var/tmp/berth-stack.XXXXXX)"
cleanup() {
  for m in "$work"/*/proc; do mountpoint -q "$m" 2>/dev/null && umount -l "$m"; done
  rm -rf "$work"
}
trap cleanup EXIT

in_root() { chroot "$1" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "${@:2}"; }

# Trims what a container never needs, so images stay small and imports fast.
slim() {
  in_root "$1" apt-get clean
  rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin "$1"/usr/share/doc/* \
    "$1"/usr/share/man/* "$1"/usr/share/info/* "$1"/var/log/*.log "$1"/tmp/*
}

import() { # rootfs tag
  local changes=(--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
    --change 'ENV LANG=C.UTF-8' --change 'WORKDIR /'
    --change 'LABEL berth.role=stack' --change "LABEL berth.stack.recipe=$recipe_hash")
  tar --numeric-owner -C "$1" -c . | docker import "${changes[@]}" - "$2" >/dev/null
}

step "Bootstrapping Debian $suite (minbase + $run_pkgs)"
debootstrap --variant=minbase --include="$run_pkgs" "$suite" "$work/run" "$mirror" >"$work/debootstrap.log" 2>&1 \
  || { tail -20 "$work/debootstrap.log" >&2; die "debootstrap failed: check that $mirror is reachable"; }
printf 'deb %s %s main\ndeb %s %s-updates main\n' "$mirror" "$suite" "$mirror" "$suite" > "$work/run/etc/apt/sources.list"

# Trust the host's extra CAs: behind a TLS-inspecting proxy, HTTPS from a
# container (npm registry) fails without them.
if (( ${#ca_files[@]} )); then
  mkdir -p "$work/run/usr/local/share/ca-certificates"
  cp "${ca_files[@]}" "$work/run/usr/local/share/ca-certificates/"
  info "trusting ${#ca_files[@]} extra CA certificate(s) from $ca_dir"
fi
in_root "$work/run" update-ca-certificates >/dev/null
# A fixed non-root user for slugs built by buildpacks.
in_root "$work/run" useradd --uid 1000 --create-home --shell /bin/bash app

step "Preparing the build image (+ $build_pkgs)"
cp -a "$work/run" "$work/build"
slim "$work/run"
mount -t proc proc "$work/build/proc"
in_root "$work/build" apt-get update -qq >/dev/null
in_root "$work/build" apt-get install -y -qq --no-install-recommends ${build_pkgs//,/ } >"$work/apt.log" 2>&1 \
  || { tail -20 "$work/apt.log" >&2; die "installing build tools failed"; }
umount -l "$work/build/proc"
slim "$work/build"

step "Importing images"
import "$work/run" "$run_tag"
import "$work/build" "$build_tag"
docker tag "$run_tag" berth/stack:bookworm
docker tag "$build_tag" berth/stack:bookworm-build
info "berth/stack:bookworm       = $run_tag"
info "berth/stack:bookworm-build = $build_tag"
