#!/usr/bin/env bash
# Makes sure a Chromium binary is available for the console's browser tests (driven by playwright-core, which
# cannot download browsers here); installs Debian's package when running as root with apt-get, otherwise says how
# to get one. Prints the binary's path on success.
set -euo pipefail
find_chromium() {
  if [ -n "${CHROMIUM_BIN:-}" ] && [ -x "$CHROMIUM_BIN" ]; then echo "$CHROMIUM_BIN"; return 0; fi
  [ -x /usr/bin/chromium ] && { echo /usr/bin/chromium; return 0; }
  command -v chromium 2>/dev/null && return 0
  command -v chromium-browser 2>/dev/null && return 0
  return 1
}
if bin=$(find_chromium); then echo "$bin"; exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "chromium not found: installing Debian package chromium" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >&2
  if bin=$(find_chromium); then echo "$bin"; exit 0; fi
fi
cat >&2 <<MSG
Chromium is required by the console's browser tests and was not found.
  Debian/Ubuntu:  sudo apt-get install chromium
  Elsewhere:      install Chromium or Chrome from your distribution
  Or point CHROMIUM_BIN at an existing binary.
MSG
exit 1
