#!/usr/bin/env bash
# CI: a bounded load test (locust against gunicorn on 127.0.0.1) on SQLite and PostgreSQL.
# Exits non-zero on any 5xx, failed request, "database is locked" or broken audit chain.
#   bash scripts/load_smoke.sh [USERS] [SECONDS]          (default: 10 users, 30 s per database)
# PostgreSQL: a scratch database sieve_bench (dropped and created; the role sieve needs CREATEDB).
# Set SIEVE_SMOKE_DATABASES=sqlite to skip PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1
USERS="${1:-10}"
SECONDS_PER_DB="${2:-30}"
DATABASES="${SIEVE_SMOKE_DATABASES:-sqlite postgresql}"

python3 -c "import locust" 2>/dev/null || python3 -m pip install -q "locust>=2.30"

args=()
for db in $DATABASES; do
    args+=(--db "$db")
    if [ "$db" = postgresql ]; then
        pg_isready -q -h 127.0.0.1 || pg_ctlcluster 15 main start
        for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 && break; sleep 1; done
        if ! (cd / && runuser -u postgres -- psql -tAc "SELECT 1 FROM pg_roles WHERE rolname='sieve'" | grep -q 1); then
            (cd / && runuser -u postgres -- psql -q -c "CREATE ROLE sieve LOGIN PASSWORD 'sieve' CREATEDB")
        fi
    fi
done

# The whole run is bounded: preparation, the load itself, and the audit check afterwards.
timeout $(( (SECONDS_PER_DB + 180) * 2 )) \
    python3 bench/load_test.py "${args[@]}" --users "$USERS" --seconds "$SECONDS_PER_DB" --workers 4
