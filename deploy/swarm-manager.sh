# shellcheck shell=bash
# Sourced by install.sh --swarm-manager (or run alone: sudo bash deploy/swarm-manager.sh).
# Makes this host a Swarm manager with a private image registry for Berth
# (deploy/swarm.md):
#   1. `docker swarm init`, unless the engine is already in a swarm
#   2. Debian's docker-registry on <advertise address>:5000 with htpasswd
#      (bcrypt) auth, TLS from a CA made here, deletes enabled (retention)
#   3. this engine trusts the CA (/etc/docker/certs.d/<host:port>/ca.crt)
#   4. exports BERTH_SCHEDULER=swarm and BERTH_REGISTRY* for the Berth server
# Reruns keep the CA, the certificate and the password.
#
# Environment:
#   BERTH_SWARM_ADVERTISE_ADDR  address other nodes reach this one at
#                               (default: the source address of the default route)
#   BERTH_REGISTRY_PORT         registry port (default 5000)
#   BERTH_REGISTRY_DIR          CA, certificate, htpasswd, config (default /etc/berth/registry)
#   BERTH_REGISTRY_DATA         image storage (default /var/lib/berth-registry)
set -euo pipefail
if ! declare -F step >/dev/null; then
  step() { echo "-----> $*"; }
  info() { echo "       $*"; }
  warn() { local line; for line in "$@"; do echo " !     $line" >&2; done; }
  die() { warn "$@"; exit 1; }
fi

swarm_addr="${BERTH_SWARM_ADVERTISE_ADDR:-$(ip -4 route get 1.1.1.1 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p' | head -n1)}"
[[ -n $swarm_addr ]] || die "cannot tell this host's address: set BERTH_SWARM_ADVERTISE_ADDR"
reg_port="${BERTH_REGISTRY_PORT:-5000}"
reg_addr="$swarm_addr:$reg_port"
reg_dir="${BERTH_REGISTRY_DIR:-/etc/berth/registry}"
reg_data="${BERTH_REGISTRY_DATA:-/var/lib/berth-registry}"
for bin in docker-registry htpasswd openssl; do
  command -v "$bin" >/dev/null || die "$bin is missing: apt-get install docker-registry apache2-utils openssl"
done

step "Swarm manager at $swarm_addr"
state="$(docker info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null || echo unknown)"
if [[ $state == active ]]; then
  info "already in a swarm ($(docker info --format '{{.Swarm.NodeID}}'))"
else
  docker swarm init --advertise-addr "$swarm_addr" >/dev/null
  info "swarm initialised"
fi
info "workers join with: docker swarm join --token $(docker swarm join-token -q worker) $swarm_addr:2377"

step "Private registry at $reg_addr"
mkdir -p "$reg_dir" "$reg_data"
chmod 700 "$reg_dir"
if [[ ! -f $reg_dir/ca.crt ]]; then
  openssl req -x509 -newkey rsa:3072 -nodes -days 3650 -subj "/CN=Berth registry CA" \
    -keyout "$reg_dir/ca.key" -out "$reg_dir/ca.crt" 2>/dev/null
fi
if [[ ! -f $reg_dir/registry.crt ]] || ! openssl x509 -in "$reg_dir/registry.crt" -noout -ext subjectAltName 2>/dev/null | grep -q "IP Address:$swarm_addr"; then
  openssl req -newkey rsa:3072 -nodes -subj "/CN=$swarm_addr" -keyout "$reg_dir/registry.key" -out "$reg_dir/registry.csr" 2>/dev/null
  printf 'subjectAltName=IP:%s\nextendedKeyUsage=serverAuth\n' "$swarm_addr" > "$reg_dir/registry.ext"
  openssl x509 -req -in "$reg_dir/registry.csr" -CA "$reg_dir/ca.crt" -CAkey "$reg_dir/ca.key" -CAcreateserial \
    -days 825 -extfile "$reg_dir/registry.ext" -out "$reg_dir/registry.crt" 2>/dev/null
  rm -f "$reg_dir/registry.csr" "$reg_dir/registry.ext"
fi
if [[ ! -f $reg_dir/password ]]; then
  (umask 077; openssl rand -hex 24 > "$reg_dir/password")
fi
reg_password="$(cat "$reg_dir/password")"
htpasswd -Bbn berth "$reg_password" > "$reg_dir/htpasswd"
cat > "$reg_dir/config.yml" <<EOF
# Written by deploy/swarm-manager.sh; rerun it to change.
version: 0.1
log: { level: info }
storage:
  filesystem: { rootdirectory: $reg_data }
  delete: { enabled: true }
http:
  addr: $reg_addr
  tls: { certificate: $reg_dir/registry.crt, key: $reg_dir/registry.key }
auth:
  htpasswd: { realm: berth, path: $reg_dir/htpasswd }
EOF
mkdir -p "/etc/docker/certs.d/$reg_addr"
cp "$reg_dir/ca.crt" "/etc/docker/certs.d/$reg_addr/ca.crt"

if [[ "$(cat /proc/1/comm 2>/dev/null || true)" == systemd ]]; then
  cat > /etc/systemd/system/berth-registry.service <<EOF
[Unit]
Description=Berth's private image registry (docker-registry)
After=network-online.target

[Service]
ExecStart=/usr/bin/docker-registry serve $reg_dir/config.yml
Restart=on-failure

[Install]
WantedBy=multi-user.target
EOF
  systemctl daemon-reload
  systemctl enable berth-registry >/dev/null 2>&1
  systemctl restart berth-registry
else
  reg_pid_file=/run/berth-registry.pid
  if [[ -f $reg_pid_file ]] && kill -0 "$(cat "$reg_pid_file")" 2>/dev/null; then kill "$(cat "$reg_pid_file")"; sleep 1; fi
  nohup /usr/bin/docker-registry serve "$reg_dir/config.yml" >>/var/log/berth-registry.log 2>&1 &
  echo $! > "$reg_pid_file"
fi
# Deleted tags free their layers here; Berth deletes tags past BERTH_IMAGE_RETENTION.
cat > /etc/cron.weekly/berth-registry-gc <<EOF
#!/bin/sh
exec /usr/bin/docker-registry garbage-collect --delete-untagged $reg_dir/config.yml >/var/log/berth-registry-gc.log 2>&1
EOF
chmod 755 /etc/cron.weekly/berth-registry-gc

for _ in $(seq 1 50); do
  code="$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$reg_dir/ca.crt" "https://$reg_addr/v2/" 2>/dev/null || true)"
  [[ $code == 401 ]] && break
  sleep 0.2
done
[[ ${code:-} == 401 ]] || die "the registry does not answer on https://$reg_addr/v2/ (log: journalctl -u berth-registry or /var/log/berth-registry.log)"
info "answers with TLS and asks for a password (user berth, password in $reg_dir/password)"

export BERTH_SCHEDULER=swarm BERTH_REGISTRY="$reg_addr" BERTH_REGISTRY_USER=berth \
  BERTH_REGISTRY_PASSWORD="$reg_password" BERTH_REGISTRY_CA="$reg_dir/ca.crt"
