#!/usr/bin/env bash
# Usage: runner.sh   (run by Berth inside a throwaway build container)
#
# The in-container half of src/builders/buildpack/: runs the Heroku
# buildpack API v2 over the pushed tree, as user `app`:
#   clear an oversized cache -> detect (first match, or every listed
#   buildpack must match) -> compile each in turn -> release each.
# It never fails silently: the outcome is one line in $out/status, which
# the Berth side turns into the push's error message.
#
# Environment (set by Berth):
#   BERTH_BUILDPACKS       buildpack names, in order
#   BERTH_BUILDPACK_MODE   detect (first that matches) or explicit (all, in sequence)
#   BERTH_CACHE_LIMIT_MB   the cache is emptied before a build when larger
# Layout: /app (BUILD_DIR), /cache (CACHE_DIR, per-app volume),
#   /berth/env (ENV_DIR), /berth/buildpacks/<name>, /berth/out (results).
set -euo pipefail

build=/app cache=/cache env_dir=/berth/env bp_root=/berth/buildpacks out=/berth/out
mkdir -p "$out"
: > "$out/layers"
# Buildpacks may hand over runtime directories as reusable image layers
# (see buildpacks/README.md); outside Berth they copy them into BUILD_DIR.
export BERTH_LAYERS="$out/layers"
# Lines for the slug report (what was kept in the slug and why), and lines a
# failed boot repeats as its likely cause (a dependency's engines.node, say).
export BERTH_SLUG_NOTES="$out/slug-notes" BERTH_BOOT_HINTS="$out/boot-hints"

finish() { printf '%s\n' "$*" > "$out/status"; exit 0; }

limit_mb="${BERTH_CACHE_LIMIT_MB:-2048}"
used_mb="$(du -sm "$cache" 2>/dev/null | cut -f1)"
if (( ${used_mb:-0} > limit_mb )); then
  echo "-----> Clearing the build cache (${used_mb} MB, over the ${limit_mb} MB limit)"
  find "$cache" -mindepth 1 -maxdepth 1 -exec rm -rf {} + 2>/dev/null || true
fi

read -r -a candidates <<< "${BERTH_BUILDPACKS:?BERTH_BUILDPACKS is not set}"
selected=()
for bp in "${candidates[@]}"; do
  if name="$("$bp_root/$bp/bin/detect" "$build")"; then
    echo "-----> ${name:-$bp} app detected"
    selected+=("$bp")
    [[ "${BERTH_BUILDPACK_MODE:-detect}" == detect ]] && break
  elif [[ "${BERTH_BUILDPACK_MODE:-detect}" == explicit ]]; then
    finish "incompatible $bp"
  fi
done
(( ${#selected[@]} )) || finish "no-buildpack"
printf '%s\n' "${selected[@]}" > "$out/buildpacks"

i=0
for bp in "${selected[@]}"; do
  # Multi-buildpack: a buildpack's `export` file passes its environment
  # (PATH to its runtime, say) on to the buildpacks after it.
  for prev in "${selected[@]:0:$i}"; do
    # shellcheck disable=SC1090
    [[ -f "$bp_root/$prev/export" ]] && { set +u; . "$bp_root/$prev/export"; set -u; }
  done
  rc=0
  "$bp_root/$bp/bin/compile" "$build" "$cache" "$env_dir" || rc=$?
  (( rc == 0 )) || finish "compile-failed $bp $rc"
  rc=0
  "$bp_root/$bp/bin/release" "$build" > "$out/release-$i.yml" || rc=$?
  (( rc == 0 )) || finish "release-failed $bp $rc"
  i=$((i + 1))
done
finish "ok"
