/* global process */
// A process that freezes in the middle of a commit (node test/helpers/frozen-commit.mjs URL
// SCHEMA IDLE_MS): it runs a commit's statements (the rows lock taken, a row written), tells
// its parent "frozen", stops itself with SIGSTOP before COMMIT, and once continued reports how
// its commit ended ({ committed } or { error }). Built code: `npm test` builds first.
import { PostgresStore } from '../../dist/stores/postgres/postgres-store.js';
import { POSTGRES_SCHEMA } from '../../dist/schema/index.js';
import { commitBatch } from '../../dist/engine/store.js';

const [url, schema, idleMs] = process.argv.slice(2);
const store = new PostgresStore(url, schema, {
  storeSchema: POSTGRES_SCHEMA,
  source: { id: 'workos', provider: 'workos', orderedIds: true },
  idleInTransactionMs: Number(idleMs),
});
await store.migrate();
// The statements run, then the process stops where COMMIT would be sent.
const executor = store.db;
const transaction = executor.transaction.bind(executor);
executor.transaction = (fn) =>
  transaction(async (tx) => {
    const result = await fn(tx);
    await new Promise((resolve) => process.send('frozen', resolve));
    process.kill(process.pid, 'SIGSTOP');
    return result;
  });
const at = '2026-01-01T00:00:05.000Z';
try {
  await store.commit(
    commitBatch({
      changes: [
        {
          op: 'upsert',
          table: 'workos_organizations',
          row: {
            id: 'org_frozen',
            name: 'Written by the frozen process',
            allow_profiles_outside_organization: 0,
            domains: '[]',
            raw: '{}',
            created_at: at,
            updated_at: at,
            last_event_id: 'event_frozen',
          },
          updatedAt: at,
        },
      ],
    }),
  );
  process.send({ committed: true });
} catch (error) {
  process.send({ error: error.message });
}
await store.close().catch(() => {});
process.disconnect();
