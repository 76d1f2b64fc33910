#!/usr/bin/env bash
# Usage: sudo ./deploy/install.sh [--no-start]
#
# Installs Berth on Debian or Ubuntu and starts it. Safe to rerun: every step
# skips work that is already done, and a rerun restarts Berth on the new code.
#   1. checks: root, Debian or Ubuntu
#   2. apt packages that are missing (docker.io, redis-server, git, debootstrap,
#      chromium, nginx-light, wrk, ...); Node.js >= 20 must already be there
#   3. starts dockerd if `docker info` fails
#   4. npm ci (only when package-lock.json changed), then npm run build
#   5. deploy/stack/build.sh: the berth/stack base images
#   6. starts Berth: a systemd unit where systemd is PID 1, otherwise a nohup
#      daemon; waits for /healthz and prints the URLs
#
# Options:
#   --no-start   steps 1-5 only (what .ci/run uses)
#   --swarm-manager  also make this host a Docker Swarm manager with a private
#                image registry, and run Berth with BERTH_SCHEDULER=swarm
#                (deploy/swarm-manager.sh, deploy/swarm.md)
#   -h, --help   this text
#
# Environment (passed on to the Berth server):
#   BERTH_DATA_DIR     data directory (default /var/lib/berth)
#   BERTH_API_PORT     API, dashboard and git port (default 3000)
#   BERTH_ROUTER_PORT  app router port (default 80)
#   BERTH_DOMAIN       apps answer at http://<app>.<domain> (default localhost)
#   BERTH_ADMIN_TOKEN  fixed admin token (default: generated into $BERTH_DATA_DIR/admin-token)
#   BERTH_SSH_PORT     SSH git remote port (default 2222; off to disable)
#   Every other BERTH_* variable, REDIS_URL and DOCKER_HOST is passed on too.
#   sudo drops the caller's environment: use `sudo BERTH_DOMAIN=... ./deploy/install.sh`.
set -euo pipefail

step() { echo "-----> $*"; }
info() { echo "       $*"; }
warn() { local line; for line in "$@"; do echo " !     $line" >&2; done; }
die() { warn "$@"; exit 1; }
indent() { sed 's/^/       /'; }
usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }

start=1
swarm_manager=0
for arg in "$@"; do
  case "$arg" in
    --no-start) start=0 ;;
    --swarm-manager) swarm_manager=1 ;;
    -h|--help) usage; exit 0 ;;
    *) warn "unknown option: $arg (see --help)"; exit 2 ;;
  esac
done

repo="$(cd "$(dirname "$0")/.." && pwd)"
is_systemd() { [[ "$(cat /proc/1/comm 2>/dev/null || true)" == systemd ]]; }

# Settings of earlier runs, kept in /etc/berth/berth.env (write_env_file), stay
# in force unless this run's environment sets them: a plain rerun (after a
# reboot, or to upgrade) must not drop BERTH_SCHEDULER=swarm or a domain.
env_file=/etc/berth/berth.env
unescape() { local s="$1" out="" i c; for ((i = 0; i < ${#s}; i++)); do c="${s:i:1}"; if [[ $c == '\' ]]; then i=$((i + 1)); c="${s:i:1}"; fi; out+="$c"; done; printf '%s' "$out"; }
load_env_file() {
  local line name
  [[ -r $env_file ]] || return 0
  while IFS= read -r line; do
    [[ $line =~ ^([A-Z][A-Z0-9_]*)=\"(.*)\"$ ]] || continue
    name="${BASH_REMATCH[1]}"
    [[ -v $name ]] || export "$name=$(unescape "${BASH_REMATCH[2]}")"
  done < "$env_file"
}
load_env_file

# --- 1. System ------------------------------------------------------------------

step "Checking the system"
[[ $EUID -eq 0 ]] || die "install.sh must run as root: it installs packages, starts dockerd and binds port 80." \
  "Rerun it as: sudo $0 $*"
[[ -f /etc/debian_version ]] || die "install.sh supports Debian and Ubuntu only (there is no /etc/debian_version)"
# shellcheck disable=SC1091
os_id="$(. /etc/os-release 2>/dev/null && echo "${ID:-debian}")" || os_id=debian
# shellcheck disable=SC1091
os_name="$(. /etc/os-release 2>/dev/null && echo "${PRETTY_NAME:-Debian}")" || os_name=Debian
info "$os_name, $(uname -m), init: $(cat /proc/1/comm 2>/dev/null || echo unknown)"

# --- 2. Packages ----------------------------------------------------------------

# --no-install-recommends below, so docker.io's apparmor recommendation is listed
# explicitly: with AppArmor in the kernel, dockerd cannot start containers without it.
# pebble: the router's ACME tests run Let's Encrypt's test CA on loopback.
# openssh-client: ssh-keygen prints the SSH host key's fingerprint; the SSH push tests use ssh.
# iptables: the firewall that walls app networks off from the host (src/runtime/docker-local/firewall.ts).
# nghttp2-client: h2load, the router bench's HTTP/2 load generator.
packages=(docker.io iptables apparmor redis-server git ca-certificates curl debootstrap nginx-light wrk pebble openssl openssh-client nghttp2-client)
# docker-registry, apache2-utils (htpasswd): the private registry of a swarm (deploy/swarm.md) and its tests.
packages+=(docker-registry apache2-utils)
# Ubuntu's chromium is a snap, not /usr/bin/chromium; the dashboard tests need the Debian package.
if [[ $os_id == debian ]]; then
  packages+=(chromium)
elif [[ ! -x /usr/bin/chromium ]]; then
  warn "/usr/bin/chromium is missing: the dashboard tests need a Chromium at that path"
fi

# Not `dpkg -s | grep -q`: with pipefail, grep's early exit makes dpkg fail on SIGPIPE.
installed() { [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == "install ok installed" ]]; }
missing=()
for p in "${packages[@]}"; do installed "$p" || missing+=("$p"); done

own_policy_rc=0
cleanup() { if (( own_policy_rc )); then rm -f /usr/sbin/policy-rc.d; fi; }
trap cleanup EXIT

if (( ${#missing[@]} )); then
  step "Installing ${missing[*]}"
  apt_log=/var/log/berth-apt.log
  # Keep apt from starting what it installs: install.sh starts dockerd itself,
  # Berth runs its own redis-server, and nginx must not take port 80 from the router.
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    own_policy_rc=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  : > "$apt_log"
  apt-get update >>"$apt_log" 2>&1 || warn "apt-get update reported errors (see $apt_log); trying the install anyway"
  if ! apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=300 "${missing[@]}" >>"$apt_log" 2>&1; then
    tail -n 20 "$apt_log" | sed 's/^/ !     /' >&2
    die "apt-get install failed; the full log is in $apt_log"
  fi
  cleanup
  own_policy_rc=0
  if is_systemd && [[ " ${missing[*]} " == *" nginx-light "* ]]; then
    # The benchmarks run their own nginx; a boot-time nginx would hold port 80.
    systemctl disable --now nginx >/dev/null 2>&1 || true
    info "disabled the nginx service (port 80 is for Berth's router)"
  fi
  info "installed (log: $apt_log)"
else
  step "System packages are present"
fi

command -v node >/dev/null || die "Node.js is missing: install Node.js 20 or newer (for example from nodejs.org or NodeSource), then rerun." \
  "Under sudo, node must be on the secure_path (/usr/bin or /usr/local/bin)."
node_bin="$(command -v node)"
# V8 flags for the server process; the same list as src/shared/node-flags.ts
# (test/unit/node-flags.test.ts checks that they agree).
node_flags="--max-semi-space-size=8"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
(( node_major >= 20 )) || die "Node.js $(node -v) is too old: Berth needs Node.js 20 or newer. Install Node.js 20, then rerun."
command -v npm >/dev/null || die "npm is missing: it ships with Node.js; reinstall Node.js 20, then rerun."
info "node $(node -v) at $node_bin"

# --- 3. Docker ------------------------------------------------------------------

dockerd_log=/var/log/berth-dockerd.log
start_docker() {
  if docker info >/dev/null 2>&1; then
    step "Docker is running ($(docker version -f '{{.Server.Version}}' 2>/dev/null || echo '?'))"
    return
  fi
  case "${DOCKER_HOST:-}" in
    ''|unix:///var/run/docker.sock|unix:///run/docker.sock) ;;
    *) die "Docker at DOCKER_HOST=$DOCKER_HOST does not answer: start it there, or unset DOCKER_HOST to use a local dockerd" ;;
  esac
  local pid='' hint
  if is_systemd; then
    step "Starting Docker (systemctl)"
    systemctl enable --now docker >/dev/null 2>&1 || warn "systemctl could not start docker"
    hint="journalctl -u docker"
  else
    hint="$dockerd_log"
    pid="$(cat /var/run/docker.pid 2>/dev/null || true)"
    if [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
      step "Waiting for the running dockerd (pid $pid)"
    else
      step "Starting dockerd (systemd is not PID 1; log: $dockerd_log)"
      # setsid: dockerd must outlive this script and its process group.
      nohup setsid dockerd >>"$dockerd_log" 2>&1 </dev/null &
      pid=$!
    fi
  fi
  local _ reason="did not answer within 60 s"
  for _ in $(seq 60); do
    if docker info >/dev/null 2>&1; then
      info "Docker $(docker version -f '{{.Server.Version}}' 2>/dev/null || echo '?') is answering"
      return
    fi
    if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then reason="exited while starting"; break; fi
    sleep 1
  done
  if [[ -f $dockerd_log && $hint == "$dockerd_log" ]]; then tail -n 20 "$dockerd_log" | sed 's/^/ !     /' >&2; fi
  die "dockerd $reason; see $hint"
}
start_docker
# Swarm init and the private registry; exports BERTH_SCHEDULER/BERTH_REGISTRY* for the env file.
# shellcheck source=deploy/swarm-manager.sh
if (( swarm_manager )); then source "$repo/deploy/swarm-manager.sh"; fi

# --- 4. Node dependencies and build ---------------------------------------------

cd "$repo"
built=0
if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  step "Installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund 2>&1 | indent || die "npm ci failed (see above); check that the npm registry is reachable"
  built=1
else
  step "npm dependencies are current"
fi
step "Building (npm run build)"
npm run build 2>&1 | indent || die "the build failed: fix the errors above, then rerun"
# Under sudo, keep a user's checkout owned by that user, so `npm test` works without sudo.
owner="$(stat -c %u:%g "$repo")"
if [[ $owner != 0:* ]]; then
  chown -R "$owner" dist
  if (( built )); then chown -R "$owner" node_modules; fi
fi

# The CLI: `berth apps`, `berth logs -t`, ... for every user of this machine.
ln -sf "$repo/dist/main/index.js" /usr/local/bin/berth
info "CLI: /usr/local/bin/berth -> $repo/dist/main/index.js"

# --- 5. Stack images ------------------------------------------------------------

"$repo/deploy/stack/build.sh"
# The backing-service images (postgres, redis) on that stack; idempotent too.
"$repo/deploy/stack/services.sh"

# --- 6. Start Berth -------------------------------------------------------------

if (( ! start )); then
  step "Done in ${SECONDS}s (--no-start: Berth was not started)"
  exit 0
fi

[[ -f dist/main/index.js ]] || die "dist/main/index.js is missing after the build"
data_dir="$(realpath -m "${BERTH_DATA_DIR:-/var/lib/berth}")"
export BERTH_DATA_DIR="$data_dir"
api_port="${BERTH_API_PORT:-3000}"
router_port="${BERTH_ROUTER_PORT:-80}"
domain="${BERTH_DOMAIN:-localhost}"
log_file="$data_dir/berth.log"
pid_file="$data_dir/berth.pid"
probe_host=127.0.0.1
case "${BERTH_BIND:-}" in
  ''|0.0.0.0|::) ;;
  *:*) probe_host="[$BERTH_BIND]" ;;
  *) probe_host="$BERTH_BIND" ;;
esac
health_url="http://$probe_host:$api_port/healthz"
if [[ ! -d $data_dir ]]; then mkdir -p "$(dirname "$data_dir")"; mkdir -m 700 "$data_dir"; fi

healthy() { [[ "$(curl -sS -o /dev/null -w '%{http_code}' --max-time 2 "$health_url" 2>/dev/null || true)" == 200 ]]; }

# Writes the Berth settings of this environment (with those kept from earlier
# runs, load_env_file) for the unit's EnvironmentFile and the next rerun.
write_env_file() {
  local f=$env_file name value
  mkdir -p /etc/berth
  install -m 600 /dev/null "$f"
  echo "# Written by deploy/install.sh. A rerun keeps these unless its environment sets them; edit or delete a line to change it." > "$f"
  while IFS= read -r name; do
    [[ $name == BERTH_DATA_DIR ]] && continue
    value="${!name}"
    if [[ $value == *$'\n'* ]]; then warn "not passing $name: multi-line values are not supported"; continue; fi
    # systemd's double-quoted values take \\ \" \$ and \` as literal characters.
    value="${value//\\/\\\\}"; value="${value//\"/\\\"}"; value="${value//\$/\\\$}"
    printf '%s="%s"\n' "$name" "${value//\`/\\\`}" >> "$f"
  done < <(compgen -e | grep -E '^(BERTH_[A-Z0-9_]+|REDIS_URL|DOCKER_HOST)$' | sort || true)
}

sed_escape() { printf '%s' "$1" | sed 's/[&|\\]/\\&/g'; }

start_systemd() {
  step "Starting Berth (systemd unit berth.service)"
  [[ "$repo$node_bin$data_dir" != *[[:space:]]* ]] || die "the repo, node and data paths must not contain spaces for the systemd unit"
  write_env_file
  sed -e "s|@NODE@|$(sed_escape "$node_bin")|g" -e "s|@REPO@|$(sed_escape "$repo")|g" -e "s|@NODE_FLAGS@|$node_flags|g" \
    -e "s|@DATA_DIR@|$(sed_escape "$data_dir")|g" deploy/berth.service > /etc/systemd/system/berth.service
  systemctl daemon-reload
  systemctl enable berth >/dev/null 2>&1
  # restart, not start: a rerun must pick up the new build.
  systemctl restart berth || warn "systemctl restart berth failed; see journalctl -u berth"
}

# A pid counts only if it is alive, not a zombie, and still our server.
alive() { [[ "$(sed -n 's/^.*) \(.\).*/\1/p' "/proc/$1/stat" 2>/dev/null)" =~ ^[^ZX]$ ]]; }
running_pid() {
  local pid
  pid="$(cat "$pid_file" 2>/dev/null || true)"
  [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" && grep -qa 'dist/main/index.js' "/proc/$pid/cmdline" && echo "$pid"
}

# What was built: the same sources build to the same files, so the same id.
dist_id() { (cd "$repo/dist" && find . -type f -name '*.js' | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16) 2>/dev/null || true; }

daemon_pid=''
start_daemon() {
  step "Starting Berth (background daemon: systemd is not PID 1)"
  local pid _
  write_env_file
  if pid="$(running_pid)"; then
    info "stopping the running Berth (pid $pid) to start the new build"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 30); do alive "$pid" || break; sleep 1; done
    if alive "$pid"; then warn "pid $pid did not stop within 30 s; killing it"; kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$pid_file"
  # A router left serving by a server that died is kept when it runs this
  # very build: the new server takes it over and no request is dropped (a
  # rerun after a crash). A router of another build (or one that a stop
  # above left behind) is replaced by this build's.
  local build_id router_pid
  build_id="$(dist_id)"
  router_pid="$(cat "$data_dir/router-$router_port.pid" 2>/dev/null || true)"
  if [[ $router_pid =~ ^[0-9]+$ ]] && alive "$router_pid" && grep -qa -- '--role' "/proc/$router_pid/cmdline" \
    && [[ -n $build_id && "$(cat "$data_dir/router-build" 2>/dev/null || true)" == "$build_id" ]]; then
    info "keeping the router that is serving (pid $router_pid): it runs this build"
  else
    "$node_bin" "$repo/dist/main/index.js" server --stop-router | sed 's/^berth: /       /' || true
  fi
  echo "$build_id" > "$data_dir/router-build"
  if healthy; then
    die "something already answers on $health_url, and it is not a Berth started by install.sh." \
      "Stop it, or choose another BERTH_API_PORT."
  fi
  # setsid: the server must outlive this script and its process group. The
  # server starts the router as a process of its own (router-<port>.pid), which
  # outlives a crash of the server; stopping the server stops it too.
  # The soft descriptor limit up to the hard one (systemd's LimitNOFILE does
  # the same for the unit): thousands of client connections need them, and
  # Berth keeps BERTH_FD_RESERVE of them for Docker, Redis and the API.
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || warn "could not raise the descriptor limit (ulimit -n) above $(ulimit -n)"
  nohup setsid "$node_bin" $node_flags "$repo/dist/main/index.js" server >>"$log_file" 2>&1 </dev/null &
  daemon_pid=$!
  echo "$daemon_pid" > "$pid_file"
  info "pid $daemon_pid (pid file: $pid_file)"
}

if is_systemd; then start_systemd; else start_daemon; fi

info "waiting for $health_url"
reason="did not answer within 60 s"
for _ in $(seq 60); do
  healthy && break
  if [[ -n $daemon_pid ]] && ! alive "$daemon_pid"; then
    status=0; wait "$daemon_pid" || status=$?
    reason="exited with status $status while starting"
    break
  fi
  if [[ -z $daemon_pid ]] && systemctl is-failed --quiet berth; then reason="failed to start"; break; fi
  sleep 1
done
if ! healthy; then
  warn "Berth $reason. The end of $log_file:"
  if [[ -z $daemon_pid ]]; then warn "(systemd: also see systemctl status berth, journalctl -u berth)"; fi
  tail -n 30 "$log_file" 2>/dev/null | sed 's/^/ !     /' >&2 || true
  exit 1
fi

router_suffix=''
[[ $router_port == 80 ]] || router_suffix=":$router_port"
if [[ -n ${BERTH_ADMIN_TOKEN:-} ]]; then
  token_where="from BERTH_ADMIN_TOKEN"
  # shellcheck disable=SC2016 # printed for the user's shell to expand
  token_expr='$BERTH_ADMIN_TOKEN'
else
  # Printed once here, as design.md's set-up contract asks, for the operator
  # who just installed (root); the file stays the place to read it later.
  token_where="$(cat "$data_dir/admin-token" 2>/dev/null || echo '(not written yet)') (kept in $data_dir/admin-token, root only)"
  # The file is root's: a machine without sudo (often a root-only VM) reads it as root.
  if command -v sudo >/dev/null; then token_expr="\$(sudo cat $data_dir/admin-token)"; else token_expr="\$(cat $data_dir/admin-token)"; fi
fi
if [[ -n $daemon_pid ]]; then stop_hint="kill \$(cat $pid_file)"; else stop_hint="systemctl stop berth"; fi

step "Berth is up (${SECONDS}s)"
info "Dashboard:    http://$domain:$api_port/ (sign in with the admin token; API: /api/v1, readiness: /healthz)"
info "Git remote:   http://berth:<token>@$domain:$api_port/<app>.git"
ssh_port="${BERTH_SSH_PORT:-2222}"
if [[ ${ssh_port,,} != off ]]; then
  host_key="$data_dir/ssh_host_ed25519_key.pub"
  ssh_fp="$(ssh-keygen -lf "$host_key" 2>/dev/null | awk '{print $2}' || true)"
  info "SSH remote:   ssh://git@$domain:$ssh_port/<app>.git (keys: berth keys:add <user> <file.pub>)"
  info "SSH host key: ${ssh_fp:-(not written yet: $host_key)} (ED25519)"
fi
info "Admin token:  $token_where"
info "Apps answer:  http://<app>.$domain$router_suffix"
info "Log file:     $log_file"
info "Settings:     $env_file (kept across reruns; a variable set for install.sh wins)"
info "Router:       pid $(cat "$data_dir/router-$router_port.pid" 2>/dev/null || echo '?'), a process of its own: apps stay up if the server dies"
info "Stop:         $stop_hint"
info ""
info "Deploy an app:"
info "  git remote add berth http://berth:$token_expr@$domain:$api_port/hello.git"
info "  git push berth main"
