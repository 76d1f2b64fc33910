# Known ways a package.json script fails on a Berth server, each told in
# words with its fix, after Heroku's lib/failures.sh; anything else gets the
# generic message. Sourced by bin/compile; uses fail (output.sh) and $pm.

# script_failed SCRIPT LOG: stops the build, saying what LOG shows went wrong.
script_failed() {
  local script="$1" log="$2"
  # create-next-app's layout imports next/font/google, which downloads the
  # fonts during `next build`: a server without internet cannot.
  if grep -q -e 'from Google Fonts' -e 'fonts\.googleapis\.com' "$log"; then
    fail "next/font/google could not download its fonts from fonts.googleapis.com while \`$pm run $script\` ran: builds on this server cannot reach Google Fonts" \
      "self-host the fonts: next/font/local with the font files committed, or for Geist the \`geist\` package (import { GeistSans } from 'geist/font/sans');" \
      "or let builds through a proxy that reaches it: berth config:set <app> HTTPS_PROXY=http://<proxy>:<port>"
  fi
  fail "the $script script in package.json failed (its output is above)" \
    "run \`$pm run $script\` locally with NODE_ENV=production, fix it, commit, and push again"
}
