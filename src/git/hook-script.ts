// The pre-receive hook, as a POSIX shell script: it runs on every push, and
// sh + curl start in a few milliseconds where node takes ~100 ms here.
//
// For a push to main/master it streams `git archive <new-rev>` (the new
// objects are still quarantined, and git archive inside the hook reads
// them) to the server's receive endpoint, prints the build log as it
// arrives, and exits 0 only when the server reports the release live. Git
// relays our output as `remote:` lines and rejects the ref on exit 1.
// The first push of a new app is received in a repo marked by the receiver
// (NEW_APP_MARKER); only then does the hook ask the server to create the app,
// so a push whose pack git refused never makes one.
import { RECEIVE_STATUS_PREFIX as STATUS_PREFIX } from '../shared/push-output.js';
import { NEW_APP_MARKER } from './repos.js';

export function preReceiveScript(receiveUrl: string, headerFile: string): string {
  return `#!/bin/sh
# Installed by Berth; rewritten at every server start.
set -u
url=${shQuote(receiveUrl)}
header_file=${shQuote(headerFile)}
zero=0000000000000000000000000000000000000000
git_dir=$(cd "\${GIT_DIR:-.}" && pwd)
app=$(basename "$git_dir" .git)
create=''
[ -f "$git_dir/${NEW_APP_MARKER}" ] && create='&create=1'
# Set by Berth's git receivers (HTTP and SSH): who pushes, for the audit log.
who="\${BERTH_PUSH_USER:+&user=\${BERTH_PUSH_USER}&via=\${BERTH_PUSH_VIA:-}&source=\${BERTH_PUSH_SOURCE:-}}"
rc=0
status_file=$(mktemp) || exit 1
trap 'rm -f "$status_file"' EXIT

while read -r old new ref; do
  case "$ref" in
    refs/heads/main|refs/heads/master) ;;
    *) echo "-----> $ref accepted without deploying: only main or master deploys"; continue ;;
  esac
  if [ "$new" = "$zero" ]; then
    echo " !     Deleting $ref is not allowed: it is the deploy branch"; rc=1; continue
  fi
  : > "$status_file"
  # -T - streams the archive (chunked) instead of buffering it; -N shows
  # each log line the moment the server sends it.
  git archive --format=tar "$new" \\
    | curl -sS -N -X POST -T - -H @"$header_file" -H 'Expect:' -H 'Content-Type: application/x-tar' \\
        "$url/$app?rev=$new&ref=$ref$create$who" 2>&1 \
    | while IFS= read -r line; do
        case "$line" in
          '${STATUS_PREFIX}'*) printf '%s' "\${line#'${STATUS_PREFIX}'}" > "$status_file" ;;
          curl:*) echo " !     Cannot reach the Berth server ($line); is it running?" ;;
          *) printf '%s\\n' "$line" ;;
        esac
      done
  status=$(cat "$status_file")
  if [ -z "$status" ]; then
    echo " !     Lost contact with the Berth server before the deploy finished; push again."
    rc=1
  elif [ "$status" != succeeded ]; then
    rc=1
  fi
done
exit $rc
`;
}

export const shQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
