import { createHmac } from 'node:crypto';
import { DEFAULT_DATABASE_URL, providerName, sourceIdentity } from './config.js';
import { PROVIDERS } from './providers.js';
import { undiciGet } from './runtimes/node/http-get.js';
import { openStore } from './open-store.js';
import { Sync, type CreateSyncOptions } from './sync.js';

export { Sync, type CreateSyncOptions, type ReconcileReport } from './sync.js';

/**
 * authsync on Node: the store named by `databaseUrl` / `DATABASE_URL` (SQLite file or
 * PostgreSQL), configuration from `process.env` unless `env` is given, Node's HMAC for
 * webhook signatures (faster than Web Crypto's async hop) and undici's `request` for WorkOS
 * (a third of `fetch`'s CPU per page).
 */
export function createSync(options: CreateSyncOptions = {}): Sync {
  const env = options.env ?? process.env;
  const store = openStore(
    options.databaseUrl ?? env.DATABASE_URL ?? DEFAULT_DATABASE_URL,
    options.schema ?? env.DATABASE_SCHEMA,
    {
      source: sourceIdentity(
        options.sourceId ?? env.AUTHSYNC_SOURCE_ID,
        PROVIDERS[providerName(options.provider ?? env.AUTHSYNC_PROVIDER)],
      ),
      workExpireSeconds: options.workExpireSeconds,
      readOnly: options.readOnly,
    },
  );
  return new Sync(
    { ...options, env },
    {
      store,
      hmac: (secret, data) => createHmac('sha256', secret).update(data).digest(),
      httpGet: undiciGet,
    },
  );
}
