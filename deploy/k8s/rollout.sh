#!/usr/bin/env bash
# Rolls one version of the platform out to Kubernetes (docs/deployment.md):
#   1. the namespace and the shared configuration;
#   2. each service's database migrations, as a job running the new image with
#      Database__MigrateOnly=true, while the old instances keep serving;
#   3. only when every migration job has succeeded, the new instances (rolling update, each waits
#      for its /health before an old one goes).
#
#   deploy/k8s/rollout.sh <version> <registry>     e.g. rollout.sh 1.4.0 registry.cic.example
#
# The secrets (secrets.example.yaml) must exist beforehand. KUBECTL overrides the kubectl command
# (e.g. "kubectl --context prod").
set -euo pipefail

version=${1:?usage: rollout.sh <version> <registry>}
registry=${2:?usage: rollout.sh <version> <registry>}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
read -r -a kubectl <<<"${KUBECTL:-kubectl}"
namespace=cic-billing
services=(accounts usage billing notifications)

say() { echo "rollout: $*" >&2; }

# The manifests name images cic/<service>:VERSION; this is where the version and registry go in.
with_images() { sed "s#image: cic/\([a-z-]*\):VERSION#image: $registry/cic/\1:$version#" "$1"; }

# Waits for a job to succeed; on failure shows its log and stops the rollout before any instance changes.
wait_for_job() {
  local job=$1 state
  for _ in $(seq 1 180); do
    state=$("${kubectl[@]}" -n "$namespace" get job "$job" -o jsonpath='{range .status.conditions[*]}{.type}={.status} {end}')
    case " $state " in
      *" Complete=True "*) return ;;
      *" Failed=True "*)
        "${kubectl[@]}" -n "$namespace" logs "job/$job" --tail=100 >&2 || true
        say "$job failed; no new instance was rolled out"
        exit 1 ;;
    esac
    sleep 5
  done
  say "$job did not finish within 15 minutes; no new instance was rolled out"
  exit 1
}

"${kubectl[@]}" apply -f "$here/namespace.yaml" -f "$here/platform.yaml"

say "migrating the databases for $version…"
# A job's pod template cannot change, so the previous version's job goes first.
for service in "${services[@]}"; do
  "${kubectl[@]}" -n "$namespace" delete job "$service-migrate" --ignore-not-found --wait=true
done
with_images "$here/migrations.yaml" | "${kubectl[@]}" apply -f -
for service in "${services[@]}"; do
  wait_for_job "$service-migrate"
done

say "rolling out $version…"
for service in "${services[@]}"; do
  with_images "$here/$service.yaml" | "${kubectl[@]}" apply -f -
done
for service in "${services[@]}"; do
  "${kubectl[@]}" -n "$namespace" rollout status "deployment/$service" --timeout=15m
done
say "$version is out"
