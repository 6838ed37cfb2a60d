import { ConfigError } from '../../engine/config-error.js';
import { showSetting } from '../../engine/redact.js';

/**
 * WorkOS's settings (WORKOS_*), read and validated once at the edge and named by the setting
 * to fix when wrong. The engine-wide ones are in `src/config.ts`.
 */

export const DEFAULT_API_URL = 'https://api.workos.com';

type Environment = Record<string, string | undefined>;

export function apiUrl(value: string | undefined): string {
  const url = value || DEFAULT_API_URL;
  let extra: boolean;
  let origin: string;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error('protocol');
    extra = parsed.pathname !== '/' || parsed.search !== '' || parsed.username !== '';
    origin = parsed.origin;
  } catch {
    throw new ConfigError(`WORKOS_API_URL ${showSetting(url)} is not an http(s) URL.`);
  }
  // The API lives at the origin's root; a path or query would be dropped without a word.
  if (extra)
    throw new ConfigError(
      `WORKOS_API_URL ${showSetting(url)} has a path, query or user; give the origin only, such as ${DEFAULT_API_URL}.`,
    );
  return origin;
}

export function apiKey(value: string | undefined): string {
  if (!value)
    throw new ConfigError(
      'WORKOS_API_KEY is not set: give the API key of your WorkOS environment (sk_...).',
    );
  return value;
}

export function workosConnection(
  options: { apiUrl?: string; apiKey?: string },
  env: Environment,
): { apiUrl: string; apiKey: string } {
  return {
    apiUrl: apiUrl(options.apiUrl ?? env.WORKOS_API_URL),
    apiKey: apiKey(options.apiKey ?? env.WORKOS_API_KEY),
  };
}

/** `WORKOS_WEBHOOK_SECRET`: comma-separated, several while rotating; none: webhooks are off. */
export function workosWebhookSecrets(env: Environment): string[] {
  return (env.WORKOS_WEBHOOK_SECRET ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
