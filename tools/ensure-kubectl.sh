#!/usr/bin/env bash
# Makes sure `kubectl kustomize` can render deploy/kubernetes (kubectl 1.21+, i.e. kustomize 4+: the overlays use
# `labels`, `components` and JSON patches by target). The development machines have kubectl 1.32 (kustomize 5.5).
# Missing and running as root with apt-get: tries Debian's packages (`kubectl`, then `kubernetes-client`), and checks
# the version it got. Prints the binary's path on success; otherwise says how to get one.
set -euo pipefail
usable() {
  command -v kubectl >/dev/null 2>&1 || return 1
  local minor
  minor=$(kubectl version --client -o json 2>/dev/null | sed -n 's/.*"minor": *"\([0-9]*\).*/\1/p' | head -1)
  [ -n "$minor" ] && [ "$minor" -ge 21 ]
}
if usable; then command -v kubectl; exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "kubectl 1.21+ not found: trying Debian's packages" >&2
  apt-get update -qq >&2 || true
  for pkg in kubectl kubernetes-client; do
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >&2 2>/dev/null || continue
    if usable; then command -v kubectl; exit 0; fi
  done
fi
cat >&2 <<MSG
kubectl 1.21 or newer (with its built-in kustomize 4+) is required by deploy/checks and was not found.
  Debian/Ubuntu:  the 'kubectl' package from the Kubernetes apt repository (pkgs.k8s.io)
  Elsewhere:      https://kubernetes.io/docs/tasks/tools/
MSG
exit 1
