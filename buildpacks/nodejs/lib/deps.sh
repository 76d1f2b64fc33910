# node_modules, sourced by bin/compile. The cache keeps the tree the last
# install produced, keyed on the lockfile, the dependency fields of
# package.json and the versions of Node.js and the package manager: when the
# key matches, node_modules is copied back instead of installed again.
# Under Berth ($BERTH_LAYERS set) the production tree is handed over as an
# image layer of its own, keyed by its manifest, so a code-only change reuses
# the layer of the last release as it is.
# Expects: $state, $pm, $lock, $registry, $pkg_scripts, $pkg_dev_deps, $pkg_dev_names, $keeps,
# $node_v, $node_range, semver_js,
# output.sh, failures.sh, build-cache.sh.

mods="$state/node_modules"

has_script() { [[ "$pkg_scripts" == *" $1 "* ]]; }

# run_script NAME: runs a package.json script if there is one; a failure is
# explained from its output (failures.sh).
run_script() {
  has_script "$1" || return 0
  info "Running $1"
  local log
  log="$(mktemp)"
  "$pm" run "$1" 2>&1 | tee "$log" | indent || script_failed "$1" "$log"
  rm -f "$log"
}

# build_script: heroku-postbuild replaces build, as on Heroku.
build_script() {
  if has_script heroku-postbuild; then run_script heroku-postbuild; else run_script build; fi
}

install_deps() {
  local what
  case "$pm" in
    npm)
      if [[ -n "$lock" ]]; then
        what="npm ci"
        npm ci --include=dev --prefer-offline 2>&1 | indent
      else
        what="npm install"
        warn "no package-lock.json: versions can drift between builds; commit the lockfile npm install writes"
        npm install --include=dev 2>&1 | indent
      fi ;;
    pnpm) what="pnpm install"; pnpm install --frozen-lockfile --prod=false --store-dir "$state/pnpm-store" 2>&1 | indent ;;
    yarn)
      if [[ -f .yarnrc.yml ]]; then what="yarn install"; yarn install --immutable 2>&1 | indent
      else what="yarn install"; yarn install --frozen-lockfile --production=false --non-interactive 2>&1 | indent; fi ;;
  esac || fail "$what could not install the dependencies (the error from $pm is above)" \
    "check that every dependency in package.json exists on $registry at the version asked for," \
    "and that ${lock:-package.json} is in sync (run $pm install locally, commit the lockfile, push again)"
}

prune_deps() {
  (( pkg_dev_deps )) || return 0
  info "Pruning devDependencies"
  if [[ "$pm" == yarn && -f .yarnrc.yml ]]; then warn "Yarn 2+ keeps devDependencies (no prune without a plugin)"; return 0; fi
  local held
  held="$(mktemp -d)"
  hold_run_time_deps "$held"
  case "$pm" in
    npm) npm prune --omit=dev 2>&1 | indent ;;
    pnpm) pnpm prune --prod --store-dir "$state/pnpm-store" 2>&1 | indent ;;
    yarn) yarn install --frozen-lockfile --production=true --ignore-scripts --prefer-offline --non-interactive 2>&1 | indent ;;
  esac || fail "pruning devDependencies failed (the error from $pm is above)"
  put_back_run_time_deps "$held"
  rm -rf "$held"
  # npm leaves the scope directories of what it removed (@eslint, @types, ...).
  [[ -d node_modules ]] && find node_modules -mindepth 1 -maxdepth 1 -name '@*' -type d -empty -delete
  return 0
}

# run_time_keeps: "PACKAGE WHY" lines of lib/run-time-deps.txt whose FILE
# this app has, for devDependencies its framework's start loads at run time.
run_time_keeps() {
  local file pkg why
  while read -r file pkg why; do
    [[ -z "$file" || "$file" == \#* ]] && continue
    [[ -f "$file" && "$pkg_dev_names" == *" $pkg "* ]] && printf '%s %s\n' "$pkg" "$why"
  done < "$bp/lib/run-time-deps.txt"
  return 0
}

# hold_run_time_deps DIR: copies what must survive the prune (links
# followed, for pnpm's store) out of node_modules.
hold_run_time_deps() {
  local pkg why
  while read -r pkg why; do
    [[ -n "$pkg" && -d "node_modules/$pkg" && ! -e "$1/$pkg" ]] || continue
    mkdir -p "$(dirname "$1/$pkg")"
    cp -aL "node_modules/$pkg" "$1/$pkg"
  done <<< "$keeps"
}

# put_back_run_time_deps DIR: what the prune removed goes back.
put_back_run_time_deps() {
  local pkg why
  while read -r pkg why; do
    [[ -n "$pkg" && -d "$1/$pkg" ]] || continue
    rm -rf "node_modules/$pkg"
    mkdir -p "$(dirname "node_modules/$pkg")"
    mv "$1/$pkg" "node_modules/$pkg"
  done <<< "$keeps"
  return 0
}

# note_kept DIR: says which devDependencies the slug's node_modules (DIR)
# kept and why, in the push and (through $BERTH_SLUG_NOTES) the slug report.
note_kept() {
  local pkg why note
  while read -r pkg why; do
    [[ -n "$pkg" && -d "$1/$pkg" ]] || continue
    note="$pkg ($(du -sm "$1/$pkg" | cut -f1) MB), a devDependency: $why"
    info "Kept $note"
    [[ -n "${BERTH_SLUG_NOTES:-}" ]] && echo "$note" >> "$BERTH_SLUG_NOTES"
  done <<< "$keeps"
  return 0
}

# inspect_tree DIR: what the push says about the node_modules the slug gets.
inspect_tree() {
  note_kept "$1"
  check_engines "$1"
}

# check_engines DIR: warns about each installed package whose engines.node
# excludes the Node.js in use; under Berth the warnings also go to
# $BERTH_BOOT_HINTS, so a failed boot can name them as its likely cause.
check_engines() {
  local misfits name range msg pin n=0
  misfits="$(semver_js engines "$1" "$node_v" 2>/dev/null)" || return 0
  [[ -n "$misfits" ]] || return 0
  if [[ -n "$node_range" ]]; then pin="engines.node pins $node_range (using $node_v)"
  else pin="engines.node is unset (using $node_v, the current LTS)"
  fi
  while read -r name range; do
    n=$((n + 1))
    (( n <= 5 )) || continue
    msg="$name needs node $range; $pin"
    warn "$msg"
    [[ -n "${BERTH_BOOT_HINTS:-}" ]] && echo "$msg" >> "$BERTH_BOOT_HINTS"
  done <<< "$misfits"
  (( n <= 5 )) || warn "and $((n - 5)) more packages whose engines.node excludes Node.js $node_v"
  info "A package may fail to load on a Node.js it does not support: set engines.node in package.json to a version they all accept"
  return 0
}

# tree_manifest DIR: what identifies a node_modules tree: each path with its
# type, size, mtime, mode and link target (no directory mtimes, no build
# caches). cp -a keeps them, so a restored tree matches the saved one until
# something writes to it.
tree_manifest() {
  (cd "$1" && find . \( -path ./.cache -o -path ./.vite \) -prune -o -type d -printf 'd %P %m\n' -o -printf '%y %P %s %T@ %m %l\n') \
    | LC_ALL=C sort | sha256sum | cut -c1-16
}

# save_tree NAME: keeps a copy of node_modules as $mods/NAME, and its manifest.
save_tree() {
  rm -rf "$mods/$1"
  mkdir -p "$mods"
  if [[ -d node_modules ]]; then cp -a node_modules "$mods/$1"; else mkdir "$mods/$1"; fi
  tree_manifest "$mods/$1" > "$mods/$1.manifest"
}

restore_tree() {
  rm -rf node_modules
  cp -a "$mods/$1" node_modules
}

# The saved tree the slug's node_modules is: prod when devDependencies were pruned.
final_tree() { if [[ -d "$mods/prod" ]]; then echo prod; else echo full; fi; }

# build_with_caches: the build script between the framework caches' restore and save.
build_with_caches() {
  restore_build_caches
  build_script
  save_build_caches
}

# hand_over TREE: under Berth, node_modules becomes a layer of its own: the
# saved TREE as it is, or (TREE "") the one in BUILD_DIR, moved out of it.
hand_over() {
  local tree="$1" src
  if [[ -n "$tree" ]]; then
    src="$mods/$tree"
  else
    src="$(mktemp -d)/node_modules"
    mv node_modules "$src"
  fi
  [[ -d node_modules ]] && mv node_modules "$(mktemp -d)/"
  inspect_tree "$src"
  echo "node_modules $src $lock:$(tree_manifest "$src")" >> "$BERTH_LAYERS"
}

# deps KEY: node_modules for the app, from the cache when KEY matches.
deps() {
  local key="$1" has_build=0 layered=0
  { has_script heroku-postbuild || has_script build; } && has_build=1
  [[ -n "${BERTH_LAYERS:-}" && -n "$key" ]] && layered=1
  run_script heroku-prebuild
  if [[ -n "$key" && -f "$mods/key" && "$(cat "$mods/key")" == "$key" && -d "$mods/full" && -f "$mods/full.manifest" ]]; then
    topic "Restoring dependencies from the cache"
    info "Cache hit: $lock is unchanged since the last build, so node_modules is reused without installing"
    if (( has_build )); then
      restore_tree full
      build_with_caches
      if [[ "$(tree_manifest node_modules)" != "$(cat "$mods/full.manifest")" ]]; then
        # The build wrote to node_modules (prisma generate, say): ship what it made.
        info "The build changed node_modules, so it is pruned here rather than reused"
        prune_deps
        (( layered )) && hand_over ""
        return 0
      fi
    fi
    if (( layered )); then hand_over "$(final_tree)"
    elif (( ! has_build )) || [[ "$(final_tree)" == prod ]]; then restore_tree "$(final_tree)"
    fi
    return 0
  fi
  topic "Installing dependencies with $pm"
  [[ -n "$key" && -f "$mods/key" ]] && info "Cache miss: $lock or the Node.js version changed since the last build"
  rm -rf "$mods"
  install_deps
  # An app with no dependencies gets none from npm; the steps below (and the layer) expect the directory.
  mkdir -p node_modules
  [[ -n "$key" ]] && save_tree full
  (( has_build )) && build_with_caches
  prune_deps
  if [[ -n "$key" ]]; then
    (( pkg_dev_deps )) && save_tree prod
    echo "$key" > "$mods/key"
  fi
  if (( layered )); then
    if [[ "$(final_tree)" == prod || "$(tree_manifest node_modules)" == "$(cat "$mods/full.manifest")" ]]; then hand_over "$(final_tree)"
    else hand_over ""
    fi
  fi
  return 0
}
