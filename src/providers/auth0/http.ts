import type { JsonApiOptions } from '../../http/get-json.js';
import type { Auth0Tokens } from './token.js';

/** The shared JSON client's options for a tenant's Management API (errors name AUTH0_* settings). */
export function auth0Api(
  options: Omit<JsonApiOptions, 'baseUrl' | 'headers' | 'names' | 'auth'> & {
    origin: string;
    tokens: Auth0Tokens;
  },
): JsonApiOptions {
  const { origin, tokens, ...rest } = options;
  return {
    ...rest,
    baseUrl: origin,
    headers: { accept: 'application/json', 'user-agent': 'authsync' },
    auth: tokens,
    names: {
      provider: 'Auth0',
      credentials: 'The Management API token of AUTH0_CLIENT_ID',
      url: 'AUTH0_DOMAIN',
    },
  };
}
