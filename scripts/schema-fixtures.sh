#!/usr/bin/env bash
# Makes test/fixtures/schemas/*.sql: a database as each earlier release left it, made by that
# release's own code (its CLI synced a small seeded emulator history), then dumped as SQL text.
# The upgrade test (test/stores/schema-history.test.ts) loads each, migrates it and checks it.
# Run from the repository root with PostgreSQL on 127.0.0.1:5432 (trust auth, database test):
#   bash scripts/schema-fixtures.sh                  (every release below)
#   bash scripts/schema-fixtures.sh "fdd3b35 sqlite 6"  (only those given)
# Each entry: <commit> <dialect> <newest migration of that release>. A release that adds a
# migration adds its predecessor here (the test asks for a fixture of every earlier version).
set -euo pipefail
root=$(pwd)
out="$root/test/fixtures/schemas"
mkdir -p "$out"
releases=(
  "474baab sqlite 1"
  "77dfcd4^ sqlite 2"
  "42904de sqlite 3"
  "42904de postgres 1"
  "d8a61eb sqlite 4"
  "d8a61eb postgres 2"
  "d6b9726 sqlite 5"
  "fdd3b35 sqlite 6"
  "fdd3b35 postgres 3"
  "cddc28f sqlite 7"
  "cddc28f postgres 4"
  "909fec2 sqlite 8"
  "909fec2 postgres 5"
  "6f8017e sqlite 9"
  "6f8017e postgres 6"
  "9da4701 sqlite 10"
  "9da4701 postgres 7"
)
if [ $# -gt 0 ]; then releases=("$@"); fi
port=18900
for entry in "${releases[@]}"; do
  read -r commit dialect version <<<"$entry"
  work=$(mktemp -d)
  git worktree add -q --detach "$work" "$commit"
  ln -s "$root/node_modules" "$work/node_modules"
  (cd "$work" && "$root/node_modules/.bin/tsc" -p tsconfig.build.json)
  port=$((port + 1))
  node "$work/dist/cli.js" emulator --seed schema-fixture --events 1000 --port "$port" \
    --api-key sk_test_fixture >/dev/null 2>&1 &
  emulator=$!
  for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.2; done
  name="$dialect-v$version"
  if [ "$dialect" = sqlite ]; then
    db="$work/fixture.db"
    database_url="$db"
  else
    schema="fixture_v$version"
    psql -q -h 127.0.0.1 -U postgres test -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null
    database_url="postgres://postgres@127.0.0.1:5432/test"
  fi
  (cd "$work" && DATABASE_URL="$database_url" DATABASE_SCHEMA="${schema:-}" \
    WORKOS_API_URL="http://127.0.0.1:$port" WORKOS_API_KEY=sk_test_fixture AUTHSYNC_SETTLE_MS=0 \
    node dist/cli.js sync --once >/dev/null 2>&1)
  kill "$emulator"
  {
    echo "-- A database as release $(git rev-parse --short "$commit") left it (newest migration $version),"
    echo "-- made by scripts/schema-fixtures.sh. Do not edit: make it again."
    if [ "$dialect" = sqlite ]; then
      sqlite3 "$db" .dump
    else
      # Plain SQL with INSERTs; psql meta-commands and session settings are dropped.
      pg_dump -h 127.0.0.1 -U postgres --schema="$schema" --no-owner --no-privileges --inserts test |
        grep -v -E '^\\|^SET |^SELECT pg_catalog.set_config|^--( Dumped| Name:|$)' | cat -s
      psql -q -h 127.0.0.1 -U postgres test -c "DROP SCHEMA $schema CASCADE" >/dev/null
    fi
  } >"$out/$name.sql"
  git worktree remove --force "$work"
  echo "$name: $(wc -l <"$out/$name.sql") lines"
done
