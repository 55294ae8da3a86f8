#!/usr/bin/env bash
# Offline checks of the deployment files (called from .ci/run; runs on a laptop too):
#   1. helm lint --strict of helm/auditwatch, with default values and with every ci/*-values.yaml
#   2. helm template of the same, written to reports/helm-<scenario>.yaml
#   3. tools/deploy-check k8s: strict decoding of every rendered object into the Kubernetes
#      API types (client-go) and prometheus-operator types, PromQL parsing, cross-object checks
#   4. tools/deploy-check compose: docker-compose.yml through compose-go (the loader Docker
#      Compose uses, with the Compose specification schema) plus our checks
#   5. a self-test: the validators must reject known-bad input
#
# Needs Go (builds deploy-check, and helm when none is found). helm: $HELM, else a cached
# build in $AUDITWATCH_CACHE_DIR/helm-$HELM_VERSION, else `helm` v3 on PATH, else
# `go install helm.sh/helm/v3/cmd/helm@$HELM_VERSION` into the cache (about 2-3 minutes
# on 2 cores the first time; GOPATH and GOCACHE are kept under the cache dir too).
#
# Environment: AUDITWATCH_CACHE_DIR (default ~/.cache/auditwatch), HELM, HELM_VERSION (default v3.22.0).
set -Eeuo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

CACHE_DIR=$(realpath -m "${AUDITWATCH_CACHE_DIR:-${HOME:-/tmp}/.cache/auditwatch}")
HELM_VERSION=${HELM_VERSION:-v3.22.0}
# The Kubernetes version helm assumes for .Capabilities and its deprecation lint (client-go 0.37 = 1.37).
HELM_K8S_MINOR=37
CHART=helm/auditwatch
OUT=reports/deploy
export GOPATH="$CACHE_DIR/go" GOCACHE="$CACHE_DIR/go-build" GOFLAGS=-buildvcs=false CGO_ENABLED=0

log() { printf '[check-deploy] %s\n' "$*" >&2; }
die() { log "FAIL: $*"; exit 1; }
command -v go >/dev/null || die "go is required (builds tools/deploy-check and, if missing, helm)"

# ------------------------------------------------------------------ helm
find_helm() {
  if [[ -n ${HELM:-} ]]; then echo "$HELM"; return; fi
  local cached="$CACHE_DIR/helm-$HELM_VERSION/helm"
  if [[ -x $cached ]]; then echo "$cached"; return; fi
  if command -v helm >/dev/null && helm version --short 2>/dev/null | grep -q '^v3\.'; then command -v helm; return; fi
  log "helm $HELM_VERSION not found: building it with go install (a few minutes, once)"
  local started=$SECONDS ld="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
  local pkg
  for pkg in pkg/chartutil pkg/lint/rules; do
    ld+=" -X helm.sh/helm/v3/$pkg.k8sVersionMajor=1 -X helm.sh/helm/v3/$pkg.k8sVersionMinor=$HELM_K8S_MINOR"
  done
  GOBIN="$CACHE_DIR/helm-$HELM_VERSION" go install -trimpath -ldflags "$ld" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >&2
  log "helm built in $((SECONDS - started)) s"
  echo "$cached"
}
HELM_BIN=$(find_helm)
log "helm: $HELM_BIN ($("$HELM_BIN" version --short))"

# ---------------------------------------------------------- deploy-check
started=$SECONDS
DEPLOY_CHECK="$CACHE_DIR/bin/deploy-check"
mkdir -p "$CACHE_DIR/bin"
(cd tools/deploy-check && go build -o "$DEPLOY_CHECK" .)
log "tools/deploy-check built in $((SECONDS - started)) s"

# ---------------------------------------------------------- chart
rm -rf "$OUT" && mkdir -p "$OUT"
failures=0
fail() { log "FAIL: $*"; failures=$((failures + 1)); }

# scenario name, values file (or empty for defaults)
scenarios=("default:")
for f in "$CHART"/ci/*-values.yaml; do
  [[ -e $f ]] || continue
  name=$(basename "$f" -values.yaml)
  scenarios+=("$name:$f")
done

for entry in "${scenarios[@]}"; do
  name=${entry%%:*}
  values=${entry#*:}
  args=()
  external=""
  if [[ -n $values ]]; then
    args=(-f "$values")
    # Objects a scenario expects to exist already: "# deploy-check: external=Kind/name,…".
    external=$(sed -n 's/^# deploy-check: external=//p' "$values" | head -n1)
  fi
  log "scenario $name: lint, template, validate"
  "$HELM_BIN" lint --strict "$CHART" "${args[@]}" >"$OUT/lint-$name.txt" 2>&1 \
    || { cat "$OUT/lint-$name.txt" >&2; fail "helm lint ($name)"; continue; }
  "$HELM_BIN" template auditwatch "$CHART" --namespace security "${args[@]}" >"reports/helm-$name.yaml" 2>"$OUT/template-$name.txt" \
    || { cat "$OUT/template-$name.txt" >&2; fail "helm template ($name)"; continue; }
  "$DEPLOY_CHECK" k8s ${external:+-external "$external"} "reports/helm-$name.yaml" >&2 \
    || fail "Kubernetes validation ($name)"
done

log "docker-compose.yml: compose-go loader"
"$DEPLOY_CHECK" compose docker-compose.yml >&2 || fail "docker-compose.yml"

# ---------------------------------------------------------- self-test
# The validators must reject what they are for; a validator that accepts everything is no check.
cat >"$OUT/bad.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: { name: bad }
spec:
  selector: { matchLabels: { app: bad } }
  template:
    metadata: { labels: { app: bad } }
    spec:
      containers:
        - name: bad
          image: example/bad:1.0
          securityContext: { readOnlyRootFileSystem: true }
YAML
if "$DEPLOY_CHECK" k8s "$OUT/bad.yaml" >/dev/null 2>&1; then fail "self-test: deploy-check k8s accepted an unknown field"; fi
sed 's/^\(    healthcheck:\)$/\1\n      bogus_key: 1/' docker-compose.yml >"$OUT/bad-compose.yml"
if "$DEPLOY_CHECK" compose "$OUT/bad-compose.yml" >/dev/null 2>&1; then fail "self-test: deploy-check compose accepted an unknown key"; fi

if ((failures > 0)); then die "$failures check(s) failed"; fi
log "OK: chart lint/template/validation for ${#scenarios[@]} scenario(s) and docker-compose.yml in $SECONDS s"
