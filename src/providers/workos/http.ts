import type { JsonApiOptions } from '../../http/get-json.js';

/** How the WorkOS API is reached: its URL and key, and the shared client's settings. */
export type WorkOSHttpOptions = Omit<JsonApiOptions, 'baseUrl' | 'headers' | 'names'> & {
  apiUrl: string;
  apiKey: string;
};

/** The shared JSON client's options for WorkOS (bearer key; errors name WORKOS_API_KEY/_URL). */
export function workosApi(options: WorkOSHttpOptions): JsonApiOptions {
  const { apiUrl, apiKey, ...rest } = options;
  return {
    ...rest,
    baseUrl: apiUrl,
    headers: {
      authorization: `Bearer ${apiKey}`,
      accept: 'application/json',
      'user-agent': 'authsync',
    },
    names: { provider: 'WorkOS', credentials: 'WORKOS_API_KEY', url: 'WORKOS_API_URL' },
  };
}
