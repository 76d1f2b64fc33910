# Framework build caches, sourced by bin/compile. What a framework's build
# keeps between builds (Next.js's .next/cache, webpack's and babel's
# node_modules/.cache, ...) is restored from CACHE_DIR before the build
# script and moved back after it, so it speeds up the next build without
# being shipped in the slug (Heroku's Node.js buildpack keeps .next/cache in
# its cache too).
# Expects: $state, output.sh.

build_caches="$state/build-cache"

# Read and rewritten by builds, never needed at run time: kept out of the slug.
# (.nuxt is not among them: Nuxt 2 serves from .nuxt/dist.)
BUILD_CACHE_DIRS=(.next/cache node_modules/.cache node_modules/.vite .angular/cache .parcel-cache)

# Cached and also shipped: Gatsby's .cache holds the SSR/DSG engines `gatsby serve` runs.
shipped_caches() {
  if grep -q '"gatsby"[[:space:]]*:' package.json 2>/dev/null; then echo .cache; fi
}

# restore_build_caches: the caches the last build saved, back in BUILD_DIR.
restore_build_caches() {
  local d found=()
  for d in "${BUILD_CACHE_DIRS[@]}" $(shipped_caches); do
    [[ -d "$build_caches/$d" ]] || continue
    rm -rf "$d" && mkdir -p "$(dirname "$d")" && cp -a "$build_caches/$d" "$d"
    found+=("$d")
  done
  (( ${#found[@]} )) && info "Restored the build cache of the last build: ${found[*]}"
  return 0
}

# save_build_caches: moves the caches the build left into CACHE_DIR (and
# copies the shipped ones), replacing the last build's.
save_build_caches() {
  local d kept=()
  rm -rf "$build_caches" && mkdir -p "$build_caches"
  for d in "${BUILD_CACHE_DIRS[@]}"; do
    [[ -d "$d" ]] || continue
    mkdir -p "$build_caches/$(dirname "$d")" && mv "$d" "$build_caches/$d"
    kept+=("$d ($(du -sm "$build_caches/$d" | cut -f1) MB)")
  done
  for d in $(shipped_caches); do
    [[ -d "$d" ]] || continue
    mkdir -p "$build_caches/$(dirname "$d")" && cp -a "$d" "$build_caches/$d"
  done
  (( ${#kept[@]} )) && info "Kept in the build cache, not in the slug: ${kept[*]}"
  return 0
}
