import type { Command } from 'commander';
import { logLevel } from '../../config.js';
import type { CreateSyncOptions, Sync } from '../../create-sync.js';
import { ConfigError } from '../../engine/config-error.js';
import type { Spans } from '../../engine/ports.js';
import { crashHookFromEnv } from './crash-hook.js';
import { stderrLogger } from './logger.js';

export interface ConnectionFlags {
  databaseUrl?: string;
  schema?: string;
  apiUrl?: string;
  apiKey?: string;
  source?: string;
}

export const connectionOptions = (command: Command) =>
  command
    .option(
      '--database-url <url>',
      'SQLite file path or file: URL, or postgres:// URL (default: DATABASE_URL, else ./authsync.db)',
    )
    .option(
      '--schema <name>',
      'PostgreSQL schema for the tables (default: DATABASE_SCHEMA, else public)',
    )
    .option(
      '--env-file <path>',
      'settings from this file (NAME=value lines, as node --env-file reads them; the environment wins)',
    )
    .option(
      '--source <id>',
      'only this source, where AUTHSYNC_SOURCES names several (default: all of them)',
    )
    .option(
      '--api-url <url>',
      'WorkOS API base URL (default: WORKOS_API_URL, else https://api.workos.com)',
    )
    .option(
      '--api-key <key>',
      'WorkOS API key (default: WORKOS_API_KEY; prefer the environment, flags show in ps)',
    );

/** Traces, one exporter per process (see `startTracing`): none until `OTEL_EXPORTER_OTLP_ENDPOINT` is set. */
let tracing: Spans | null | undefined;

/**
 * Opens the database and a `Sync` for each configured source (or the one `--source` names)
 * from flags and environment. Loaded lazily, so that `authsync emulator` does not need the
 * SQLite driver.
 */
export async function openSources(
  flags: ConnectionFlags & { settleMs?: number; import?: boolean; distribute?: boolean },
  extra: Partial<CreateSyncOptions> = {},
  each?: (sourceId: string) => Partial<CreateSyncOptions>,
): Promise<Sync[]> {
  const { createSyncs } = await import('../../create-sync.js');
  const env = process.env;
  tracing ??=
    env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
      ? (await import('./tracing.js')).startTracing(env)
      : null;
  return createSyncs(
    {
      databaseUrl: flags.databaseUrl ?? env.DATABASE_URL,
      schema: flags.schema ?? env.DATABASE_SCHEMA,
      // The environment's WORKOS_API_URL / _KEY are read per source, as `<ID>__` may override them.
      apiUrl: flags.apiUrl,
      apiKey: flags.apiKey,
      settleMs: flags.settleMs,
      importOnFirstRun: flags.import,
      distribute: flags.distribute ?? env.AUTHSYNC_DISTRIBUTE === '1',
      logger: stderrLogger(logLevel(process.env.LOG_LEVEL)),
      checkpoint: crashHookFromEnv(),
      ...(tracing ? { spans: tracing } : {}),
      ...extra,
    },
    { each, only: flags.source, apiFlags: Boolean(flags.apiUrl || flags.apiKey) },
  );
}

/** For commands about one source's events (replay, a dead letter): the one configured, or `--source`. */
export async function openSource(
  flags: ConnectionFlags,
  extra: Partial<CreateSyncOptions> = {},
): Promise<Sync> {
  const syncs = await openSources(flags, extra);
  if (syncs.length === 1) return syncs[0]!;
  await closeAll(syncs);
  throw new ConfigError(
    `AUTHSYNC_SOURCES names several sources (${syncs.map((s) => s.sourceId).join(', ')}): say which with --source.`,
  );
}

export const closeAll = (syncs: readonly Sync[]) => Promise.all(syncs.map((s) => s.close()));

/** One source's result as it always was; several, as an array of them, each with its source. */
export function perSource<T extends object>(
  syncs: readonly Sync[],
  results: readonly T[],
): unknown {
  return syncs.length === 1
    ? results[0]
    : results.map((r, i) => ({ source: syncs[i]!.sourceId, ...r }));
}
