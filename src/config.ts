import { SCHEMA_PATTERN } from './stores/postgres/schema-name.js';

/**
 * Configuration problems are found once, at the edge, and named by the setting to fix. Portable
 * (the Worker reads it too): what needs Node (file paths) is in `stores/open-store.ts`.
 */
export class ConfigError extends Error {}

export const DEFAULT_API_URL = 'https://api.workos.com';
export const DEFAULT_DATABASE_URL = './authsync.db';

/** `authsync serve` defaults, shared by the CLI's help and the code that applies them. */
export const DEFAULT_MAX_BODY_BYTES = 1_000_000;
export const DEFAULT_WEBHOOK_GRACE_MS = 300_000;
export const DEFAULT_RECONCILE_EVERY_S = 6 * 3600;

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
