#!/usr/bin/env bash
# Makes sure a nats-server binary with JetStream (2.9+) is available; installs Debian's package when
# running as root with apt-get, otherwise says how to get one. Prints the binary's path on success.
set -euo pipefail
find_nats() {
  if [ -n "${NATS_SERVER_BIN:-}" ] && [ -x "$NATS_SERVER_BIN" ]; then echo "$NATS_SERVER_BIN"; return 0; fi
  command -v nats-server 2>/dev/null && return 0
  [ -x /usr/sbin/nats-server ] && { echo /usr/sbin/nats-server; return 0; }
  return 1
}
if bin=$(find_nats); then echo "$bin"; exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "nats-server not found: installing Debian package nats-server" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nats-server) >&2
  if bin=$(find_nats); then echo "$bin"; exit 0; fi
fi
cat >&2 <<MSG
nats-server (2.9 or newer, with JetStream) is required and was not found.
  Debian/Ubuntu:  sudo apt-get install nats-server
  Elsewhere:      https://docs.nats.io/running-a-nats-service/introduction/installation
  Or point NATS_SERVER_BIN at an existing binary.
MSG
exit 1
