#!/usr/bin/env bash
# Usage: deploy/stack/services.sh [postgres|redis ...] [--force]
#
# Builds the backing-service images from Debian's packages on the Berth run
# stack (no registry): berth/service-postgres:15, berth/service-redis:7.
# Flow: hash the Dockerfile + entrypoint + stack image id -> reuse the image
# tagged with that hash -> otherwise `docker build` it. Idempotent, like build.sh.
# Called by deploy/install.sh after build.sh, and by the first services:create
# of a kind whose image is missing (its output becomes the create's progress).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
stack="${BERTH_STACK_IMAGE:-berth/stack:bookworm}"
force=0
kinds=()
for a in "$@"; do
  case "$a" in
    --force) force=1 ;;
    postgres|redis) kinds+=("$a") ;;
    *) echo " !     unknown service kind: $a (postgres or redis)" >&2; exit 2 ;;
  esac
done
(( ${#kinds[@]} )) || kinds=(postgres redis)

step() { echo "-----> $*"; }
info() { echo "       $*"; }
die() { echo " !     $*" >&2; exit 1; }

docker info >/dev/null 2>&1 || die "Docker is not answering: start dockerd first"
stack_id="$(docker image inspect -f '{{.Id}}' "$stack" 2>/dev/null)" || die "the stack image $stack is missing: run deploy/stack/build.sh first"

image_of() { case "$1" in postgres) echo berth/service-postgres:15 ;; redis) echo berth/service-redis:7 ;; esac; }

for kind in "${kinds[@]}"; do
  image="$(image_of "$kind")"
  hash="$( { cat "$0" "$here/services/$kind.Dockerfile" "$here/services/"*.sh; echo "$stack_id"; } | sha256sum | cut -c1-12)"
  tagged="$image-$hash"
  if [[ $force == 0 ]] && docker image inspect "$tagged" >/dev/null 2>&1; then
    docker tag "$tagged" "$image"
    step "Service image $image is current ($hash)"
    continue
  fi
  step "Building $image from Debian's packages on $stack"
  log="$(mktemp /var/tmp/berth-service-image.XXXXXX)"
  if ! DOCKER_BUILDKIT=0 docker build --pull=false --build-arg "STACK=$stack" --label "berth.service.recipe=$hash" \
      -f "$here/services/$kind.Dockerfile" -t "$tagged" -t "$image" "$here/services" >"$log" 2>&1; then
    tail -20 "$log" | sed 's/^/       /' >&2
    rm -f "$log"
    die "building $image failed: check that Debian's mirror is reachable from containers"
  fi
  rm -f "$log"
  info "built $image ($hash)"
done
