# node_modules, sourced by bin/compile. The cache keeps the tree the last
# install produced, keyed on the lockfile, the dependency fields of
# package.json and the versions of Node.js and the package manager: when the
# key matches, node_modules is copied back instead of installed again.
# Expects: $state, $pm, $lock, $registry, $pkg_scripts, $pkg_dev_deps, output.sh.

mods="$state/node_modules"

has_script() { [[ "$pkg_scripts" == *" $1 "* ]]; }

# run_script NAME: runs a package.json script if there is one.
run_script() {
  has_script "$1" || return 0
  info "Running $1"
  case "$pm" in
    npm) npm run "$1" 2>&1 | indent ;;
    *) "$pm" run "$1" 2>&1 | indent ;;
  esac || fail "the $1 script in package.json failed (its output is above)" \
    "run \`$pm run $1\` locally with NODE_ENV=production, fix it, commit, and push again"
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
  case "$pm" in
    npm) npm prune --omit=dev 2>&1 | indent ;;
    pnpm) pnpm prune --prod --store-dir "$state/pnpm-store" 2>&1 | indent ;;
    yarn)
      if [[ -f .yarnrc.yml ]]; then warn "Yarn 2+ keeps devDependencies (no prune without a plugin)"; return 0; fi
      yarn install --frozen-lockfile --production=true --ignore-scripts --prefer-offline --non-interactive 2>&1 | indent ;;
  esac || fail "pruning devDependencies failed (the error from $pm is above)"
}

# save_tree NAME: keeps a copy of node_modules as $mods/NAME.
save_tree() {
  rm -rf "$mods/$1"
  mkdir -p "$mods"
  if [[ -d node_modules ]]; then cp -a node_modules "$mods/$1"; else mkdir "$mods/$1"; fi
}

restore_tree() {
  rm -rf node_modules
  cp -a "$mods/$1" node_modules
}

# deps KEY: node_modules for the app, from the cache when KEY matches.
deps() {
  local key="$1" has_build=0
  { has_script heroku-postbuild || has_script build; } && has_build=1
  run_script heroku-prebuild
  if [[ -n "$key" && -f "$mods/key" && "$(cat "$mods/key")" == "$key" && -d "$mods/full" ]]; then
    topic "Restoring dependencies from the cache"
    info "Cache hit: $lock is unchanged since the last build, so node_modules is reused without installing"
    if (( has_build )) || [[ ! -d "$mods/prod" ]]; then restore_tree full; else restore_tree prod; fi
    build_script
    if (( has_build )) && [[ -d "$mods/prod" ]]; then restore_tree prod; fi
    return 0
  fi
  topic "Installing dependencies with $pm"
  [[ -n "$key" && -f "$mods/key" ]] && info "Cache miss: $lock or the Node.js version changed since the last build"
  rm -rf "$mods"
  install_deps
  [[ -n "$key" ]] && save_tree full
  build_script
  prune_deps
  if [[ -n "$key" ]]; then
    (( pkg_dev_deps )) && save_tree prod
    echo "$key" > "$mods/key"
  fi
}
