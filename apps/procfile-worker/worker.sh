#!/usr/bin/env bash
# procfile-worker's worker process: no route, no port; it logs a tick
# every few seconds until it is stopped.
set -euo pipefail
trap 'echo "worker stopping"; exit 0' TERM INT
n=0
while true; do
  n=$((n + 1))
  echo "worker tick $n"
  sleep 2 & wait $!
done
