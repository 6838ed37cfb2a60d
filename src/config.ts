import { secretBytes } from './delivery/destination.js';
import { SCHEMA_PATTERN } from './stores/postgres/schema-name.js';
import { ConfigError } from './engine/config-error.js';
import type { Provider } from './engine/provider.js';
import { SOURCE_ID_PATTERN, type SourceIdentity } from './engine/store.js';

/**
 * Configuration problems are found once, at the edge, and named by the setting to fix. Portable
 * (the Worker reads it too): what needs Node (file paths) is in `open-store.ts`.
 */
export { ConfigError };

export const DEFAULT_DATABASE_URL = './authsync.db';

/** `authsync serve` defaults, shared by the CLI's help and the code that applies them. */
export const DEFAULT_MAX_BODY_BYTES = 1_000_000;
export const DEFAULT_WEBHOOK_GRACE_MS = 300_000;
export const DEFAULT_RECONCILE_EVERY_S = 6 * 3600;

/**
 * The source's id (`AUTHSYNC_SOURCE_ID`; default: the provider's name, `workos`): it names the
 * cursor, the state, the reader lease and the webhook route of this source, so several sources
 * share one database.
 */
export function sourceIdentity(
  value: string | undefined,
  provider: Pick<Provider, 'name' | 'orderedIds'>,
): SourceIdentity {
  const id = value || provider.name;
  if (!SOURCE_ID_PATTERN.test(id))
    throw new ConfigError(
      `AUTHSYNC_SOURCE_ID ${JSON.stringify(id)} must be 1-32 lowercase letters, digits and _, starting with a letter.`,
    );
  return { id, provider: provider.name, orderedIds: provider.orderedIds };
}

export function databaseSchema(value: string | undefined): string {
  const schema = value || 'public';
  if (!SCHEMA_PATTERN.test(schema))
    throw new ConfigError(
      `The schema ${JSON.stringify(schema)} (--schema / DATABASE_SCHEMA) must be lowercase letters, digits and _, not starting with a digit.`,
    );
  return schema;
}

/**
 * The environment's settings, by name: only this module (and each provider's `settings.ts`, for
 * its own) reads them; the runtimes pass theirs.
 */
export type Environment = Record<string, string | undefined>;

/** `AUTHSYNC_PROVIDER`: which identity provider this source reads (default `workos`). */
export function providerName(value: string | undefined): 'workos' | 'auth0' {
  const name = value || 'workos';
  if (name !== 'workos' && name !== 'auth0')
    throw new ConfigError(
      `AUTHSYNC_PROVIDER ${JSON.stringify(name)} is not a provider: use workos or auth0.`,
    );
  return name;
}

/** One source of a deployment: its id, its provider, and the environment as it sees it. */
export interface SourceSetting {
  id: string;
  provider: 'workos' | 'auth0';
  /** `<ID>__NAME` set for this source (`EU__WORKOS_API_KEY` for `eu`) read as `NAME`. */
  env: Environment;
}

/**
 * The sources one deployment runs. `AUTHSYNC_SOURCES` names several, comma-separated: a
 * provider's name (`workos,auth0`) or `id:provider` (`eu:workos,us:workos`). Each reads a
 * setting from `<ID>__NAME` when that is set, else from `NAME`: what differs is set per source,
 * the rest is shared. Unset: one source, `AUTHSYNC_SOURCE_ID` reading `AUTHSYNC_PROVIDER`.
 */
export function configuredSources(env: Environment): SourceSetting[] {
  const list = env.AUTHSYNC_SOURCES?.trim();
  if (!list) {
    const provider = providerName(env.AUTHSYNC_PROVIDER);
    return [{ id: env.AUTHSYNC_SOURCE_ID || provider, provider, env }];
  }
  if (env.AUTHSYNC_SOURCE_ID || env.AUTHSYNC_PROVIDER)
    throw new ConfigError(
      'AUTHSYNC_SOURCES names the sources and their providers: leave AUTHSYNC_SOURCE_ID and AUTHSYNC_PROVIDER unset.',
    );
  const sources: SourceSetting[] = [];
  for (const entry of list.split(',').map((e) => e.trim())) {
    const [id = '', provider = id, extra] = entry.split(':');
    if (extra !== undefined || !SOURCE_ID_PATTERN.test(id))
      throw new ConfigError(
        `AUTHSYNC_SOURCES: ${JSON.stringify(entry)} is not a source: use a provider's name (workos, auth0) or id:provider, with an id of 1-32 lowercase letters, digits and _, starting with a letter.`,
      );
    if (provider !== 'workos' && provider !== 'auth0')
      throw new ConfigError(
        `AUTHSYNC_SOURCES: ${JSON.stringify(entry)} names no provider: use workos, auth0, or id:provider (for example eu:workos).`,
      );
    if (sources.some((s) => s.id === id))
      throw new ConfigError(`AUTHSYNC_SOURCES names the source ${id} twice.`);
    sources.push({ id, provider, env: sourceEnvironment(env, id) });
  }
  return sources;
}

function sourceEnvironment(env: Environment, id: string): Environment {
  const prefix = `${id.toUpperCase()}__`;
  const own: Environment = {};
  for (const [name, value] of Object.entries(env))
    if (name.startsWith(prefix) && name.length > prefix.length)
      own[name.slice(prefix.length)] = value;
  return { ...env, ...own };
}

/**
 * Forwarding each event to the application's own endpoint: `AUTHSYNC_FORWARD_URL` with
 * `AUTHSYNC_FORWARD_SECRET` (both, or neither; or `forward` in `createSync`), and optionally
 * `AUTHSYNC_FORWARD_EVENTS` (comma-separated types or prefixes like `user.*`; default all). The
 * secret is never echoed.
 */
export function forwardSettings(env: Environment): {
  url?: string;
  secret?: string;
  events?: string[];
} {
  return {
    url: env.AUTHSYNC_FORWARD_URL,
    secret: env.AUTHSYNC_FORWARD_SECRET,
    // Unset or empty: every type.
    events: env.AUTHSYNC_FORWARD_EVENTS?.trim()
      ? env.AUTHSYNC_FORWARD_EVENTS.split(',').map((p) => p.trim())
      : undefined,
  };
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * The retention guard: `AUTHSYNC_RETENTION_DAYS` (default: the provider's shortest retention)
 * and `AUTHSYNC_CURSOR_AGE_WARN_S`, how long the cursor may go without reaching the head before
 * authsync warns (default: half the retention).
 */
export function retentionSettings(
  env: Environment,
  providerDays: number,
): { days: number; warnAfterSeconds: number } {
  const days = env.AUTHSYNC_RETENTION_DAYS ? Number(env.AUTHSYNC_RETENTION_DAYS) : providerDays;
  if (!Number.isInteger(days) || days < 1 || days > 3650)
    throw new ConfigError(
      `AUTHSYNC_RETENTION_DAYS ${JSON.stringify(env.AUTHSYNC_RETENTION_DAYS)} is not a whole number of days from 1 to 3650.`,
    );
  const warn = env.AUTHSYNC_CURSOR_AGE_WARN_S
    ? Number(env.AUTHSYNC_CURSOR_AGE_WARN_S)
    : (days * 86_400) / 2;
  if (!Number.isInteger(warn) || warn < 1 || warn > days * 86_400)
    throw new ConfigError(
      `AUTHSYNC_CURSOR_AGE_WARN_S ${JSON.stringify(env.AUTHSYNC_CURSOR_AGE_WARN_S)} is not a whole number of seconds from 1 to the retention (${days * 86_400}).`,
    );
  return { days, warnAfterSeconds: warn };
}

/** `LOG_LEVEL` (default info), one of pino's levels. */
export function logLevel(value: string | undefined): string {
  const level = value || 'info';
  if (!LOG_LEVELS.includes(level))
    throw new ConfigError(
      `LOG_LEVEL ${JSON.stringify(level)} is not a log level: use one of ${LOG_LEVELS.join(', ')}.`,
    );
  return level;
}

export function forwardTarget(target: {
  url?: string;
  secret?: string;
  events?: string[];
}): { url: string; secret: string; events?: string[] } | null {
  const { url, secret, events } = target;
  if (!url && !secret) return null;
  if (!url) throw new ConfigError('AUTHSYNC_FORWARD_SECRET is set without AUTHSYNC_FORWARD_URL.');
  let credentials: boolean;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error('protocol');
    credentials = parsed.username !== '' || parsed.password !== '';
  } catch {
    throw new ConfigError('AUTHSYNC_FORWARD_URL is not an http(s) URL.');
  }
  // fetch refuses such a URL: every delivery would fail, forever.
  if (credentials)
    throw new ConfigError(
      'AUTHSYNC_FORWARD_URL has a user or password in it, which cannot be sent: deliveries are authenticated by their signature (AUTHSYNC_FORWARD_SECRET).',
    );
  if (!secret)
    throw new ConfigError(
      'AUTHSYNC_FORWARD_URL is set without AUTHSYNC_FORWARD_SECRET: forwarded events are always signed.',
    );
  if (secretBytes(secret) < 24)
    throw new ConfigError(
      'AUTHSYNC_FORWARD_SECRET is not a Standard Webhooks secret: whsec_ followed by the base64 of 24 to 64 random bytes (for example whsec_ and the output of `openssl rand -base64 32`).',
    );
  if (!events?.length) return { url, secret };
  const bad = events.find((p) => !/^(\*|[a-z_]+(\.[a-z_]+)*(\.\*)?)$/.test(p));
  if (bad !== undefined)
    throw new ConfigError(
      `AUTHSYNC_FORWARD_EVENTS: ${JSON.stringify(bad)} is not an event type, a prefix such as user.*, or *.`,
    );
  return { url, secret, events };
}

/**
 * Destinations beyond `AUTHSYNC_FORWARD_URL`'s: `AUTHSYNC_DESTINATIONS`, a JSON array of
 * `DestinationConfig` (checked when the sync is made; see docs/delivery.md). Unset: none.
 */
export function destinationSettings(env: Environment): unknown[] {
  const text = env.AUTHSYNC_DESTINATIONS?.trim();
  if (!text) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // The text may hold secrets: named, not shown.
    throw new ConfigError('AUTHSYNC_DESTINATIONS is not JSON (a list of destinations).');
  }
  if (!Array.isArray(parsed))
    throw new ConfigError('AUTHSYNC_DESTINATIONS is not a JSON list of destinations.');
  return parsed;
}
