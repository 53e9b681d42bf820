#!/bin/sh
# Sets up a PostgreSQL-backed Temporal cluster for mwbatch, in two steps that can run apart:
#
#   schema     create the databases (if missing) and bring both schemas (history, visibility) to the version of
#              the schema files: `temporal-sql-tool setup-schema -v 0.0`, then `update-schema -d <versioned dir>`.
#              Run it BEFORE the Temporal server starts. Needs only PostgreSQL.
#   namespace  wait for the Temporal server, create the namespace (if missing) and register the search attribute
#              BatchId (Keyword) that every mwbatch workflow carries. Run it AFTER the server is up.
#   all        (the default) both, in that order: for a one-shot container that runs next to a server which
#              restarts until its schema exists.
#
#   sh deploy/setup-temporal.sh [schema|namespace|all]
#
# Every step is idempotent: running it again on a set-up cluster changes nothing and exits 0. It fails (exit 1)
# when a step cannot finish, or when BatchId exists with another type. POSIX sh; the same script runs in the
# `temporalio/admin-tools` image (docker-compose.yml, whose defaults are the defaults below) and on a developer's
# machine (dev/cluster.ts, which sets the tool paths and addresses).
#
# Environment (default in brackets):
#   TEMPORAL_SQL_TOOL            the temporal-sql-tool binary [temporal-sql-tool]
#   TEMPORAL_CLI                 the temporal CLI binary [temporal]
#   SQL_PLUGIN                   temporal-sql-tool's plugin [postgres12]
#   SQL_HOST, SQL_PORT           PostgreSQL [postgresql, 5432]
#   SQL_USER, SQL_PASSWORD       PostgreSQL credentials [temporal, temporal]; read by temporal-sql-tool from the
#                                environment, never put on a command line
#   TEMPORAL_DB                  history database [temporal]
#   TEMPORAL_VISIBILITY_DB       visibility database [temporal_visibility]
#   TEMPORAL_SCHEMA_DIR          the schema/postgresql/v12 folder of the server's release, holding
#                                temporal/versioned and visibility/versioned [/etc/temporal/schema/postgresql/v12,
#                                where the admin-tools image has it]
#   TEMPORAL_ADDRESS             the server's frontend [temporal:7233]
#   TEMPORAL_NAMESPACE           [default]
#   TEMPORAL_NAMESPACE_RETENTION how long closed workflows are kept [24h]
#   SETUP_ATTEMPTS               tries while PostgreSQL or the server is not ready [150]
#   SETUP_DELAY_SECONDS          pause between tries [2]
set -u

step="${1:-all}"
sql_tool="${TEMPORAL_SQL_TOOL:-temporal-sql-tool}"
cli="${TEMPORAL_CLI:-temporal}"
schema_dir="${TEMPORAL_SCHEMA_DIR:-/etc/temporal/schema/postgresql/v12}"
address="${TEMPORAL_ADDRESS:-temporal:7233}"
namespace="${TEMPORAL_NAMESPACE:-default}"
retention="${TEMPORAL_NAMESPACE_RETENTION:-24h}"
attempts="${SETUP_ATTEMPTS:-150}"
delay="${SETUP_DELAY_SECONDS:-2}"
attribute=BatchId
attribute_type=Keyword

# temporal-sql-tool takes its connection from these variables.
SQL_PLUGIN="${SQL_PLUGIN:-postgres12}"
SQL_HOST="${SQL_HOST:-postgresql}"
SQL_PORT="${SQL_PORT:-5432}"
SQL_USER="${SQL_USER:-temporal}"
SQL_PASSWORD="${SQL_PASSWORD:-temporal}"
export SQL_PLUGIN SQL_HOST SQL_PORT SQL_USER SQL_PASSWORD

# retry WHAT COMMAND...: runs COMMAND until it succeeds, at most $attempts times; its output on the last failure.
retry() {
  what="$1"
  shift
  n=1
  while ! out=$("$@" 2>&1); do
    if [ "$n" -ge "$attempts" ]; then
      printf 'Gave up waiting for %s:\n%s\n' "$what" "$out" >&2
      return 1
    fi
    echo "Waiting for ${what} (attempt ${n}/${attempts}): $(printf '%s' "$out" | tail -n 1)"
    n=$((n + 1))
    sleep "$delay"
  done
  [ -z "$out" ] || printf '%s\n' "$out"
}

# create_database DB: CREATE DATABASE unless it exists (temporal-sql-tool has no "if not exists").
create_database() {
  if out=$("$sql_tool" --db "$1" create-database 2>&1); then
    echo "Created database $1."
  elif printf '%s' "$out" | grep -q 'already exists'; then
    echo "Database $1 exists."
  else
    printf 'Could not create database %s:\n%s\n' "$1" "$out" >&2
    return 1
  fi
}

# schema_of DB SUBDIR: the database's schema at the version of $schema_dir/SUBDIR/versioned.
schema_of() {
  versioned="${schema_dir}/$2/versioned"
  if [ ! -d "$versioned" ]; then
    echo "No schema folder ${versioned} (set TEMPORAL_SCHEMA_DIR)." >&2
    return 1
  fi
  create_database "$1" &&
    "$sql_tool" --db "$1" setup-schema -v 0.0 &&
    "$sql_tool" --db "$1" update-schema -d "$versioned" &&
    echo "Schema of database $1 is up to date (${versioned})."
}

# Retried as a whole while PostgreSQL is not up yet (every part of it is idempotent).
setup_schema() {
  retry "the ${TEMPORAL_DB:-temporal} schema at PostgreSQL ${SQL_HOST}:${SQL_PORT}" \
    schema_of "${TEMPORAL_DB:-temporal}" temporal &&
    retry "the ${TEMPORAL_VISIBILITY_DB:-temporal_visibility} schema at PostgreSQL ${SQL_HOST}:${SQL_PORT}" \
      schema_of "${TEMPORAL_VISIBILITY_DB:-temporal_visibility}" visibility
}

setup_namespace() {
  retry "the Temporal server at ${address}" "$cli" operator cluster health --address "$address" >/dev/null || return 1
  if "$cli" operator namespace describe --address "$address" --namespace "$namespace" >/dev/null 2>&1; then
    echo "Namespace ${namespace} exists."
  else
    # "already registered" (a concurrent run) is fine: the listing below waits for the namespace either way.
    "$cli" operator namespace create --address "$address" --namespace "$namespace" --retention "$retention" 2>&1 || true
  fi
  n=1
  while :; do
    if listing=$("$cli" operator search-attribute list --address "$address" --namespace "$namespace" 2>&1); then
      if printf '%s\n' "$listing" | grep -Eq "^[[:space:]]*${attribute}[[:space:]]+${attribute_type}[[:space:]]*\$"; then
        echo "Search attribute ${attribute} (${attribute_type}) is registered on namespace ${namespace} at ${address}."
        return 0
      fi
      if printf '%s\n' "$listing" | grep -Eq "^[[:space:]]*${attribute}[[:space:]]"; then
        echo "Search attribute ${attribute} exists on namespace ${namespace} with a type other than ${attribute_type}:" >&2
        printf '%s\n' "$listing" | grep -E "^[[:space:]]*${attribute}[[:space:]]" >&2
        return 1
      fi
      # "already exists" (a concurrent run) is fine: the next listing confirms the type.
      "$cli" operator search-attribute create --address "$address" --namespace "$namespace" \
        --name "$attribute" --type "$attribute_type" 2>&1 || true
    else
      echo "Waiting for namespace ${namespace} at ${address} (attempt ${n}/${attempts}): $(printf '%s' "$listing" | tail -n 1)"
    fi
    if [ "$n" -ge "$attempts" ]; then
      echo "Gave up registering search attribute ${attribute} on namespace ${namespace} at ${address}." >&2
      return 1
    fi
    n=$((n + 1))
    sleep "$delay"
  done
}

case "$step" in
  schema) setup_schema ;;
  namespace) setup_namespace ;;
  all) setup_schema && setup_namespace ;;
  *)
    echo "usage: $0 [schema|namespace|all]" >&2
    exit 2
    ;;
esac
