#!/usr/bin/env bash
# procfile-worker's worker process: no route, no port; it logs a tick
# every few seconds until it is stopped.
set -euo pipefail
trap 'echo "worker stopping"; exit 0' TERM INT
n=0
while true; do
  n=$((n + 1))
  echo "worker tick $n"
  # Heroku-style stops signal every process of the dyno, sleep included:
  # its failed wait must not end the script before the trap runs.
  sleep 2 & wait $! || true
done
