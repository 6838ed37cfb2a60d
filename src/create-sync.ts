import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  ConfigError,
  configuredSources,
  DEFAULT_DATABASE_URL,
  providerName,
  sourceIdentity,
  type Environment,
} from './config.js';
import { PROVIDERS } from './providers.js';
import { undiciGet } from './runtimes/node/http-get.js';
import { fileSpool } from './runtimes/node/file-spool.js';
import { nodeSigner, undiciPost } from './runtimes/node/http-post.js';
import { openStore } from './open-store.js';
import type { SyncStore } from './engine/store.js';
import { Sync, type CreateSyncOptions } from './sync.js';

export { Sync, type CreateSyncOptions, type ReconcileReport } from './sync.js';

/**
 * authsync on Node: the store named by `databaseUrl` / `DATABASE_URL` (SQLite file or
 * PostgreSQL), configuration from `process.env` unless `env` is given, Node's HMAC for
 * webhook signatures (faster than Web Crypto's async hop) and undici's `request` for WorkOS
 * (a third of `fetch`'s CPU per page).
 */
export function createSync(options: CreateSyncOptions = {}): Sync {
  return openSync(options);
}

function openSync(options: CreateSyncOptions, sharing?: SyncStore): Sync {
  const env = withDestinationsFile(options.env ?? process.env);
  const store = openStore(
    options.databaseUrl ?? env.DATABASE_URL ?? DEFAULT_DATABASE_URL,
    options.schema ?? env.DATABASE_SCHEMA,
    {
      source: sourceIdentity(
        options.sourceId ?? env.AUTHSYNC_SOURCE_ID,
        PROVIDERS[providerName(options.provider ?? env.AUTHSYNC_PROVIDER)],
      ),
      workExpireSeconds: options.workExpireSeconds,
      readerTimeoutMs: options.readerTimeoutMs,
      readOnly: options.readOnly,
      sharing,
    },
  );
  return new Sync(
    { ...options, env },
    {
      store,
      hmac: (secret, data) => createHmac('sha256', secret).update(data).digest(),
      httpGet: undiciGet,
      spool: fileSpool(),
      httpPost: undiciPost,
      signer: nodeSigner,
    },
  );
}

/**
 * Every source the environment names (`AUTHSYNC_SOURCES`, else the one source of
 * `AUTHSYNC_SOURCE_ID` / `AUTHSYNC_PROVIDER`), each a `Sync` on the same database with the
 * settings it sees (`<ID>__NAME` before `NAME`).
 */
export function createSyncs(
  options: Omit<CreateSyncOptions, 'sourceId' | 'provider'> = {},
  choose: {
    /** Options of one source's own (its metrics, its progress). */
    each?: (sourceId: string) => Partial<CreateSyncOptions>;
    /** Only this source. */
    only?: string;
    /** `apiUrl` / `apiKey` came from flags: they can only be one source's. */
    apiFlags?: boolean;
  } = {},
): Sync[] {
  let sources = configuredSources(options.env ?? process.env);
  if (choose.only !== undefined) {
    sources = sources.filter((s) => s.id === choose.only);
    if (sources.length === 0)
      throw new ConfigError(
        `--source ${JSON.stringify(choose.only)} is not a configured source: the sources are ${configuredSources(
          options.env ?? process.env,
        )
          .map((s) => s.id)
          .join(', ')}.`,
      );
  }
  if (choose.apiFlags && sources.length > 1)
    throw new ConfigError(
      "--api-url and --api-key set one source's WorkOS API: with several sources, set <ID>__WORKOS_API_URL and <ID>__WORKOS_API_KEY, or pick one with --source.",
    );
  const syncs: Sync[] = [];
  try {
    for (const source of sources)
      syncs.push(
        openSync(
          {
            ...options,
            ...choose.each?.(source.id),
            sourceId: source.id,
            provider: source.provider,
            env: source.env,
          },
          syncs[0]?.store,
        ),
      );
  } catch (error) {
    // A later source's settings refused: the stores opened so far are closed, not leaked.
    for (const sync of syncs) void sync.close();
    throw error;
  }
  return syncs;
}

/** `AUTHSYNC_DESTINATIONS_FILE` (Node): the file's JSON as `AUTHSYNC_DESTINATIONS`, unless that is set. */
function withDestinationsFile(env: Environment): Environment {
  const file = env.AUTHSYNC_DESTINATIONS_FILE;
  if (!file || env.AUTHSYNC_DESTINATIONS) return env;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `AUTHSYNC_DESTINATIONS_FILE ${file} cannot be read: ${(error as Error).message}`,
    );
  }
  return { ...env, AUTHSYNC_DESTINATIONS: text };
}
