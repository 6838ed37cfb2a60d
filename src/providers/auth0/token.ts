import { withDeadline } from '../../http/deadline.js';
import { CredentialsRefusedError } from '../../http/get-json.js';
import { sleep } from '../../engine/sleep.js';
import type { Auth0Connection } from './settings.js';

/** Attempts per token, with waits doubling from 500 ms (full jitter) between them. */
const TOKEN_ATTEMPTS = 5;

/** Refresh this long before the token's `expires_in` runs out. */
const REFRESH_EARLY_MS = 60_000;

/**
 * Management API tokens by the client credentials grant: fetched when first needed, reused until
 * a minute before they expire, fetched once for concurrent callers, dropped after a 401. The
 * token and the secret never reach a log or an error.
 */
export class Auth0Tokens {
  private current: { value: string; expiresAtMs: number } | null = null;
  private fetching: Promise<string> | null = null;

  constructor(
    private readonly connection: Auth0Connection,
    private readonly options: {
      fetch?: typeof fetch;
      clock?: () => number;
      timeoutMs?: number;
      sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
    } = {},
  ) {}

  async authorization(signal?: AbortSignal): Promise<string> {
    if (this.connection.token) return `Bearer ${this.connection.token}`;
    const now = (this.options.clock ?? Date.now)();
    if (this.current && this.current.expiresAtMs - REFRESH_EARLY_MS > now)
      return `Bearer ${this.current.value}`;
    this.fetching ??= this.fetchToken(signal).finally(() => {
      this.fetching = null;
    });
    return `Bearer ${await this.fetching}`;
  }

  refused(): void {
    this.current = null;
  }

  private async fetchToken(signal?: AbortSignal): Promise<string> {
    const { origin, clientId, clientSecret } = this.connection;
    const doFetch = this.options.fetch ?? fetch;
    let last = '';
    for (let attempt = 1; attempt <= TOKEN_ATTEMPTS; attempt++) {
      if (attempt > 1)
        await (this.options.sleep ?? sleep)(Math.random() * 250 * 2 ** (attempt - 1), signal);
      signal?.throwIfAborted();
      let response: Response;
      try {
        response = await doFetch(`${origin}/oauth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({
            grant_type: 'client_credentials',
            client_id: clientId,
            client_secret: clientSecret,
            audience: `${origin}/api/v2/`,
          }),
          signal: withDeadline(signal, this.options.timeoutMs ?? 30_000),
        });
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        last = (error as Error).message;
        continue;
      }
      const text = await response.text();
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        // an HTML error page or a truncated answer
      }
      if (response.ok && typeof body.access_token === 'string') {
        const lifetimeS = typeof body.expires_in === 'number' ? body.expires_in : 86_400;
        this.current = {
          value: body.access_token,
          expiresAtMs: (this.options.clock ?? Date.now)() + lifetimeS * 1000,
        };
        return body.access_token;
      }
      if (response.status === 401 || response.status === 403) {
        const said =
          typeof body.error_description === 'string' ? body.error_description.slice(0, 300) : '';
        throw new CredentialsRefusedError(
          response.status === 401
            ? `AUTH0_CLIENT_ID/AUTH0_CLIENT_SECRET were rejected by ${origin}/oauth/token (401${said ? `: ${said}` : ''}). Check them against the application's settings.`
            : `${origin}/oauth/token refused a Management API token for AUTH0_CLIENT_ID (403${said ? `: ${said}` : ''}). Authorize the application for the Management API.`,
        );
      }
      if (response.status >= 400 && response.status < 500 && response.status !== 429) {
        throw new CredentialsRefusedError(
          `${origin}/oauth/token answered ${response.status} (${String(body.error ?? '')}: ${String(body.error_description ?? '').slice(0, 300)}). Check AUTH0_CLIENT_ID and that client credentials are allowed for it.`,
        );
      }
      last = String(response.status);
    }
    // Said once: the request that needed the token adds whether AUTH0_DOMAIN is reachable.
    throw new Error(
      `Could not get a Management API token from ${origin}/oauth/token in ${TOKEN_ATTEMPTS} attempts; last: ${last}`,
    );
  }
}
