# Heroku-style output and the ENV_DIR convention, sourced by bin/compile.
# Steps start with "-----> ", detail is indented 7 spaces, errors start with " !     ".

topic() { echo "-----> $*"; }
info() { echo "       $*"; }
warn() { echo " !     Warning: $*" >&2; }
indent() { sed -u 's/^/       /'; }

# fail LINE...: prints what failed and what to check, then stops the build.
# On stderr, so it shows even from inside $(...).
fail() {
  local line
  for line in "$@"; do echo " !     $line" >&2; done
  exit 1
}

# export_env ENV_DIR: the app's config vars, one file each, become the
# build's environment, except those that would break the build itself.
export_env() {
  local dir="${1:-}" f name
  [[ -n "$dir" && -d "$dir" ]] || return 0
  for f in "$dir"/*; do
    [[ -f "$f" ]] || continue
    name="${f##*/}"
    [[ "$name" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || continue
    [[ "$name" =~ ^(PATH|HOME|GIT_DIR|CPATH|CPPATH|LD_PRELOAD|LIBRARY_PATH|LD_LIBRARY_PATH|BERTH_LAYERS|BERTH_SLUG_NOTES|BERTH_BOOT_HINTS)$ ]] && continue
    export "$name=$(cat "$f")"
  done
}
