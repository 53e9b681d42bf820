#!/bin/sh
# One-shot set-up of the local Temporal cluster for mwbatch (the temporal-admin-tools service of docker-compose.yml):
# registers the search attribute BatchId (Keyword) that every mwbatch workflow carries. Idempotent: it succeeds
# when the attribute already exists. It retries while the server or the namespace (created by auto-setup shortly
# after the server starts) is not ready yet, and fails if BatchId exists with another type.
#
#   TEMPORAL_ADDRESS=temporal:7233 TEMPORAL_NAMESPACE=default sh deploy/create-search-attributes.sh
set -u

address="${TEMPORAL_ADDRESS:-temporal:7233}"
namespace="${TEMPORAL_NAMESPACE:-default}"
attempts="${SETUP_ATTEMPTS:-150}"
delay="${SETUP_DELAY_SECONDS:-2}"
name=BatchId
type=Keyword

attempt=1
while :; do
  if listing=$(temporal operator search-attribute list --address "$address" --namespace "$namespace" 2>&1); then
    if printf '%s\n' "$listing" | grep -Eq "^[[:space:]]*${name}[[:space:]]+${type}[[:space:]]*\$"; then
      echo "Search attribute ${name} (${type}) is registered on namespace ${namespace} at ${address}."
      exit 0
    fi
    if printf '%s\n' "$listing" | grep -Eq "^[[:space:]]*${name}[[:space:]]"; then
      echo "Search attribute ${name} exists on namespace ${namespace} with a type other than ${type}:" >&2
      printf '%s\n' "$listing" | grep -E "^[[:space:]]*${name}[[:space:]]" >&2
      exit 1
    fi
    # "already exists" (a concurrent run) is fine: the next listing confirms the type.
    temporal operator search-attribute create --address "$address" --namespace "$namespace" \
      --name "$name" --type "$type" 2>&1 || true
  else
    echo "Waiting for namespace ${namespace} at ${address} (attempt ${attempt}/${attempts}): $(printf '%s' "$listing" | tail -n 1)"
  fi
  if [ "$attempt" -ge "$attempts" ]; then
    echo "Gave up registering search attribute ${name} on namespace ${namespace} at ${address}." >&2
    exit 1
  fi
  attempt=$((attempt + 1))
  sleep "$delay"
done
