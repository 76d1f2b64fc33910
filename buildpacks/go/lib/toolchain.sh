# The Go toolchain, sourced by bin/compile. Debian bookworm's golang-go is
# Go 1.19, too old for most go.mod files, so the toolchain comes from the
# Debian mirror (bookworm and bookworm-backports: golang-1.NN-go and -src),
# fetched with `apt-get download`, which checks each package against the
# mirror's signed index. It is unpacked into the cache, one version kept.
# Expects: $state, output.sh. Sets $goroot.

apt_opts=()
mirror=""

# apt_setup: a private apt state in the cache, so no root is needed.
apt_setup() {
  local dir="$state/apt" suite
  mirror="$(awk '$1 == "deb" { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)"
  mirror="${mirror:-http://deb.debian.org/debian}"
  suite="$(. /etc/os-release && echo "$VERSION_CODENAME")"
  rm -rf "$dir" && mkdir -p "$dir/state/lists/partial" "$dir/cache/archives/partial"
  printf 'deb %s %s main\ndeb %s %s-backports main\n' "$mirror" "$suite" "$mirror" "$suite" > "$dir/sources.list"
  apt_opts=(-o "Dir::State=$dir/state" -o "Dir::Cache=$dir/cache" -o "Dir::Etc::SourceList=$dir/sources.list"
    -o Dir::Etc::SourceParts=/nonexistent -o Dir::State::status=/var/lib/dpkg/status
    -o Debug::NoLocking=1 -o "APT::Sandbox::User=$(id -un)")
  apt-get "${apt_opts[@]}" -qq update 2>&1 | indent \
    || fail "could not read the Debian package index from $mirror" "check that the build container can reach $mirror"
}

# pick_version WANT: WANT if the mirror has it, else the oldest newer Go
# (Go keeps old code building); with no WANT, the newest.
pick_version() {
  local have v
  have="$(apt-cache "${apt_opts[@]}" pkgnames golang-1. | sed -nE 's/^golang-(1\.[0-9]+)-go$/\1/p' | sort -V)"
  if [[ -z "$1" ]]; then tail -1 <<< "$have"; return 0; fi
  while read -r v; do
    [[ -n "$v" && "$(printf '%s\n%s\n' "$1" "$v" | sort -V | head -1)" == "$1" ]] && { echo "$v"; return 0; }
  done <<< "$have"
  return 0
}

install_toolchain() {
  local want="$1" memo v tmp deb pid pids
  memo="$state/toolchains/for-${1:-newest}"
  v="$(cat "$memo" 2>/dev/null || true)"
  if [[ -n "$v" && -f "$state/toolchains/go-$v.complete" ]]; then
    goroot="$state/toolchains/go-$v/usr/lib/go-$v"
    info "Using Go $v from the cache"
    return 0
  fi
  info "Fetching the Go toolchain from the Debian mirror"
  apt_setup
  v="$(pick_version "$want")"
  [[ -n "$v" ]] || fail "go.mod asks for Go $want, and the newest Go on $mirror (bookworm-backports) is older" \
    "lower the go line in go.mod to a version the mirror has (apt-cache policy 'golang-1.*-go'), or use a Dockerfile"
  tmp="$state/tmp"
  rm -rf "$tmp" && mkdir -p "$tmp/root"
  (cd "$tmp" && apt-get "${apt_opts[@]}" -q download "golang-$v-go" "golang-$v-src" 2>&1) | indent \
    || fail "could not download golang-$v-go from $mirror" "check that the build container can reach $mirror"
  # Unpacked side by side: the xz-compressed -src package alone takes seconds.
  pids=()
  for deb in "$tmp"/*.deb; do dpkg-deb -x "$deb" "$tmp/root" & pids+=("$!"); done
  for pid in "${pids[@]}"; do wait "$pid" || fail "could not unpack golang-$v (is the disk full?)"; done
  rm -rf "$state/toolchains" "$state/apt" && mkdir -p "$state/toolchains"
  mv "$tmp/root" "$state/toolchains/go-$v"
  rm -rf "$tmp"
  touch "$state/toolchains/go-$v.complete"
  echo "$v" > "$memo"
  goroot="$state/toolchains/go-$v/usr/lib/go-$v"
  info "Installed Go $v (golang-$v-go from $mirror)"
}
