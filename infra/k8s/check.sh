#!/usr/bin/env bash
# `pnpm test:k8s`: checks the manifests with kubectl. With a cluster kubectl can reach:
# `kubectl apply --dry-run=client -k infra/k8s` (each object validated against that cluster's
# schema, nothing created). With none: `kubectl apply --dry-run=client` cannot run at all (it
# asks the API server which resources exist even with --validate=false), so kubectl builds the
# kustomization instead (every object parsed, names and the namespace resolved) and says that
# the dry run was skipped, and why. Without kubectl: skipped, with the reason. Exit 1: a check failed.
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v kubectl >/dev/null 2>&1; then
  echo "k8s-check: SKIPPED: no kubectl on PATH"
  exit 0
fi
if kubectl version --request-timeout=5s >/dev/null 2>&1; then
  kubectl apply --dry-run=client -k .
  echo "k8s-check: kubectl apply --dry-run=client passed against $(kubectl config current-context)"
  exit 0
fi
objects="$(kubectl kustomize . | grep -c '^kind:')"
echo "k8s-check: kubectl kustomize built $objects objects"
echo "k8s-check: SKIPPED kubectl apply --dry-run=client: no cluster answers (it needs the API server's resource list, even with --validate=false)"
