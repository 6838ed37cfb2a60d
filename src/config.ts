import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Configuration problems are found once, at the edge, and named by the setting to fix. */
export class ConfigError extends Error {}

export const DEFAULT_API_URL = 'https://api.workos.com';
export const DEFAULT_DATABASE_URL = './authsync.db';

/** A SQLite file from `DATABASE_URL`: a path, or a `file:` URL. */
export function sqlitePath(databaseUrl: string): string {
  if (/^postgres(ql)?:\/\//i.test(databaseUrl)) {
    throw new ConfigError(
      'DATABASE_URL points at PostgreSQL, which this version does not support yet; give a SQLite file path.',
    );
  }
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
      `DATABASE_URL ${JSON.stringify(databaseUrl)} is not a SQLite path or file: URL.`,
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
