#!/usr/bin/env bash
# Makes sure Prometheus's `promtool` and `prometheus` binaries are available (the alert-rule checks and the metrics
# end-to-end test use both); installs Debian's package `prometheus` when running as root with apt-get, otherwise
# says how to get them. The package's own daemon (and its recommended node exporter, which is not installed) is not
# wanted: the tests start their own server on temporary directories, so a daemon apt starts is stopped and disabled.
# Prints the promtool path on success.
set -euo pipefail
find_promtool() {
  if [ -n "${PROMTOOL_BIN:-}" ] && [ -x "$PROMTOOL_BIN" ]; then echo "$PROMTOOL_BIN"; return 0; fi
  local tool
  tool=$(command -v promtool 2>/dev/null || true)
  if [ -z "$tool" ] && [ -x /usr/bin/promtool ]; then tool=/usr/bin/promtool; fi
  [ -n "$tool" ] || return 1
  # The server comes in the same package: beside promtool, or named by PROMETHEUS_BIN.
  if [ -x "$(dirname "$tool")/prometheus" ] || { [ -n "${PROMETHEUS_BIN:-}" ] && [ -x "$PROMETHEUS_BIN" ]; }; then
    echo "$tool"; return 0
  fi
  return 1
}
stop_daemon() {
  # Debian's postinst enables prometheus.service and starts it where an init system runs.
  if command -v systemctl >/dev/null 2>&1; then
    if [ -d /run/systemd/system ]; then systemctl disable --now prometheus.service >/dev/null 2>&1 || true
    else systemctl disable prometheus.service >/dev/null 2>&1 || true; fi
  fi
  if command -v service >/dev/null 2>&1; then service prometheus stop >/dev/null 2>&1 || true; fi
}
if bin=$(find_promtool); then echo "$bin"; exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "promtool/prometheus not found: installing Debian package prometheus" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus) >&2
  stop_daemon
  if bin=$(find_promtool); then echo "$bin"; exit 0; fi
fi
cat >&2 <<MSG
Prometheus (promtool and the prometheus server, 2.x) is required and was not found.
  Debian/Ubuntu:  sudo apt-get install --no-install-recommends prometheus
                  (then: sudo systemctl disable --now prometheus; the tests start their own server)
  Elsewhere:      https://prometheus.io/download/ (promtool ships in the same archive)
  Or point PROMTOOL_BIN and PROMETHEUS_BIN at existing binaries.
MSG
exit 1
