import { ConfigError } from '../../engine/config-error.js';
import { showSetting } from '../../engine/redact.js';

type Environment = Record<string, string | undefined>;

/** How the tenant is reached: its origin, and client credentials (or a fixed token). */
export interface Auth0Connection {
  /** `https://<AUTH0_DOMAIN>`; an `http://` origin only for a local emulator. */
  origin: string;
  clientId?: string;
  clientSecret?: string;
  /** A Management API token given as it is (it is never refreshed). */
  token?: string;
}

/**
 * `AUTH0_DOMAIN` (the tenant's domain, `acme.us.auth0.com`, or a custom domain; an
 * `http://127.0.0.1:port` origin reaches a local emulator), and `AUTH0_CLIENT_ID` with
 * `AUTH0_CLIENT_SECRET` (a machine-to-machine application granted the Management API), or
 * `AUTH0_TOKEN`.
 */
export function auth0Connection(
  options: { domain?: string; clientId?: string; clientSecret?: string; token?: string },
  env: Environment,
): Auth0Connection {
  const domain = options.domain ?? env.AUTH0_DOMAIN;
  if (!domain)
    throw new ConfigError(
      'AUTH0_DOMAIN is not set: give your tenant’s domain, such as acme.us.auth0.com.',
    );
  let origin: string;
  if (/^https?:\/\//.test(domain)) {
    let url: URL;
    try {
      url = new URL(domain);
    } catch {
      throw new ConfigError(`AUTH0_DOMAIN ${showSetting(domain)} is not a domain or an origin.`);
    }
    if (url.pathname !== '/' || url.search || url.username || url.password)
      throw new ConfigError(
        `AUTH0_DOMAIN ${showSetting(domain)} has a path, query or user; give the domain only.`,
      );
    if (url.protocol === 'http:' && !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname))
      throw new ConfigError(
        `AUTH0_DOMAIN ${showSetting(domain)}: http is for a local emulator only; use the domain (https).`,
      );
    origin = url.origin;
  } else {
    if (!/^[a-z0-9.-]+(:\d+)?$/i.test(domain))
      throw new ConfigError(
        `AUTH0_DOMAIN ${showSetting(domain)} is not a domain (such as acme.us.auth0.com).`,
      );
    origin = `https://${domain}`;
  }
  const token = options.token ?? env.AUTH0_TOKEN;
  const clientId = options.clientId ?? env.AUTH0_CLIENT_ID;
  const clientSecret = options.clientSecret ?? env.AUTH0_CLIENT_SECRET;
  if (token) return { origin, token };
  if (!clientId)
    throw new ConfigError(
      'AUTH0_CLIENT_ID is not set: give the client id of a machine-to-machine application authorized for the Management API (or set AUTH0_TOKEN).',
    );
  if (!clientSecret)
    throw new ConfigError(
      'AUTH0_CLIENT_SECRET is not set: give the client secret of that application.',
    );
  return { origin, clientId, clientSecret };
}

/**
 * What Event Streams deliveries must carry, as the stream's webhook authorization was set up:
 * `AUTH0_EVENT_STREAM_TOKEN` (bearer), `AUTH0_EVENT_STREAM_BASIC` (`user:password`) or
 * `AUTH0_EVENT_STREAM_HEADER` (`Header-Name: value`, a custom header). None: deliveries are
 * refused (503, so Auth0 retries while it is being set up).
 */
export function eventStreamCredential(env: Environment): { header: string; value: string } | null {
  const set = (['TOKEN', 'BASIC', 'HEADER'] as const).filter((k) => env[`AUTH0_EVENT_STREAM_${k}`]);
  if (set.length > 1)
    throw new ConfigError(
      `Set one of AUTH0_EVENT_STREAM_TOKEN, AUTH0_EVENT_STREAM_BASIC and AUTH0_EVENT_STREAM_HEADER, not ${set.map((k) => `AUTH0_EVENT_STREAM_${k}`).join(' and ')}.`,
    );
  const token = env.AUTH0_EVENT_STREAM_TOKEN;
  if (token) return { header: 'authorization', value: `Bearer ${token}` };
  const basic = env.AUTH0_EVENT_STREAM_BASIC;
  if (basic) {
    if (!basic.includes(':'))
      throw new ConfigError('AUTH0_EVENT_STREAM_BASIC must be user:password.');
    return { header: 'authorization', value: `Basic ${btoa(basic)}` };
  }
  const custom = env.AUTH0_EVENT_STREAM_HEADER;
  if (custom) {
    const match = /^([A-Za-z0-9-]+):\s*(.+)$/.exec(custom);
    if (!match) throw new ConfigError('AUTH0_EVENT_STREAM_HEADER must be "Header-Name: value".');
    return { header: match[1]!.toLowerCase(), value: match[2]! };
  }
  return null;
}

/**
 * `AUTH0_REQUESTS_PER_MINUTE`: the client budget's sustained rate (default 100, the self-service
 * plans' limit on `GET /logs`; Enterprise allows 960), with a burst of 10.
 */
export function auth0RequestsPerMinute(env: Environment): number | undefined {
  const value = env.AUTH0_REQUESTS_PER_MINUTE;
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1_000_000)
    throw new ConfigError(
      `AUTH0_REQUESTS_PER_MINUTE ${showSetting(value)} is not a whole number from 1 to 1000000.`,
    );
  return n;
}

/**
 * `AUTHSYNC_FORWARD_API_PATHS` (comma-separated Management API resources, `users`,
 * `organizations`, or deeper ones with `*` for one segment: an organization's members) and
 * `AUTHSYNC_FORWARD_API_METHODS`
 * (`post,patch,delete`): forward only the logs of Management API writes (`sapi`) to those
 * resources, with those methods. Unset: no such filter.
 */
export function forwardApiFilter(
  env: Environment,
): { paths?: string[][]; methods?: string[] } | null {
  const list = (v: string | undefined) =>
    v
      ?.split(',')
      .map((x) => x.trim())
      .filter(Boolean);
  const paths = list(env.AUTHSYNC_FORWARD_API_PATHS);
  const methods = list(env.AUTHSYNC_FORWARD_API_METHODS)?.map((m) => m.toUpperCase());
  if (!paths?.length && !methods?.length) return null;
  const badPath = paths?.find(
    (p) => !/^[a-z_-]+(\/([a-z_-]+|\*))*$/.test(p.replace(/^\/?(api\/v2\/)?/, '')),
  );
  if (badPath !== undefined)
    throw new ConfigError(
      `AUTHSYNC_FORWARD_API_PATHS: ${JSON.stringify(badPath)} is not a Management API resource such as users or organizations/*/members.`,
    );
  const badMethod = methods?.find((m) => !['POST', 'PUT', 'PATCH', 'DELETE'].includes(m));
  if (badMethod !== undefined)
    throw new ConfigError(
      `AUTHSYNC_FORWARD_API_METHODS: ${JSON.stringify(badMethod)} is not one of post, put, patch, delete.`,
    );
  return {
    ...(paths?.length
      ? { paths: paths.map((p) => p.replace(/^\/?(api\/v2\/)?/, '').split('/')) }
      : {}),
    ...(methods?.length ? { methods } : {}),
  };
}

/**
 * `AUTH0_LOG_TYPES`: the log types kept in `auth0_logs` (comma-separated codes such as
 * `sapi,ss,s,f`); unset: every type. Logs of other types still change the tables they change.
 */
export function auth0LogTypes(env: Environment): string[] | undefined {
  const types = env.AUTH0_LOG_TYPES?.split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  if (!types?.length) return undefined;
  const bad = types.find((t) => !/^[a-z0-9_]+$/.test(t));
  if (bad !== undefined)
    throw new ConfigError(
      `AUTH0_LOG_TYPES: ${JSON.stringify(bad)} is not a log type code such as sapi.`,
    );
  return types;
}
