import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SCHEMA_PATTERN } from './stores/postgres/schema-name.js';

/** Configuration problems are found once, at the edge, and named by the setting to fix. */
export class ConfigError extends Error {}

export const DEFAULT_API_URL = 'https://api.workos.com';
export const DEFAULT_DATABASE_URL = './authsync.db';

/** `authsync serve` defaults, shared by the CLI's help and the code that applies them. */
export const DEFAULT_MAX_BODY_BYTES = 1_000_000;
export const DEFAULT_WEBHOOK_GRACE_MS = 300_000;
export const DEFAULT_RECONCILE_EVERY_S = 6 * 3600;

export type DatabaseTarget = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

/** `DATABASE_URL`: `postgres://` / `postgresql://` for PostgreSQL, else a SQLite path or `file:` URL. */
export function databaseTarget(databaseUrl: string): DatabaseTarget {
  if (/^postgres(ql)?:\/\//i.test(databaseUrl)) {
    try {
      new URL(databaseUrl);
    } catch {
      throw new ConfigError('DATABASE_URL is not a valid postgres:// URL.');
    }
    return { kind: 'postgres', url: databaseUrl };
  }
  return { kind: 'sqlite', path: sqlitePath(databaseUrl) };
}

/** A SQLite file from `DATABASE_URL`: a path, or a `file:` URL. */
export function sqlitePath(databaseUrl: string): string {
  if (databaseUrl.startsWith('file:')) {
    try {
      return fileURLToPath(new URL(databaseUrl, `file://${process.cwd()}/`));
    } catch {
      throw new ConfigError(
        `DATABASE_URL ${JSON.stringify(databaseUrl)} is not a valid file: URL.`,
      );
    }
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(databaseUrl)) {
    throw new ConfigError(
      `DATABASE_URL ${JSON.stringify(databaseUrl)} is not a SQLite path, file: URL or postgres:// URL.`,
    );
  }
  return databaseUrl === ':memory:' ? databaseUrl : resolve(databaseUrl);
}

export function apiUrl(value: string | undefined): string {
  const url = value || DEFAULT_API_URL;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error('protocol');
    return parsed.origin;
  } catch {
    throw new ConfigError(`WORKOS_API_URL ${JSON.stringify(url)} is not an http(s) URL.`);
  }
}

export function apiKey(value: string | undefined): string {
  if (!value)
    throw new ConfigError(
      'WORKOS_API_KEY is not set: give the API key of your WorkOS environment (sk_...).',
    );
  return value;
}

export function databaseSchema(value: string | undefined): string {
  const schema = value || 'public';
  if (!SCHEMA_PATTERN.test(schema))
    throw new ConfigError(
      `The schema ${JSON.stringify(schema)} (--schema / DATABASE_SCHEMA) must be lowercase letters, digits and _, not starting with a digit.`,
    );
  return schema;
}
