import type { Auth0LogInput } from './log-store.js';

/** Who made a Management API call: the M2M client, as `sapi` logs name it. */
export interface ApiCaller {
  clientId: string;
  scopes: string[];
  ip: string;
  userAgent: string;
}

export const DATABASE_CONNECTION = {
  name: 'Username-Password-Authentication',
  id: 'con_3Qv7cA8YdNQaQ1s2',
  strategy: 'auth0',
  strategyType: 'database',
};

/** Fields the real API sends as null rather than leaving out (seen in recordings of a tenant). */
function base(tenant: string, date: string, type: string, description: string) {
  return {
    date,
    type,
    description,
    connection: null,
    connection_id: null,
    client_id: null as string | null,
    client_name: '',
    ip: null as string | null,
    hostname: null as string | null,
    user_id: null as string | null,
    user_name: null as string | null,
    audience: null,
    scope: null,
    strategy: null as string | null,
    strategy_type: null as string | null,
    isMobile: false,
    user_agent: null as string | null,
    organization_id: null as string | null,
    organization_name: null as string | null,
    location_info: null,
    details: {} as Record<string, unknown>,
    tenant_name: tenant,
    $event_schema: { version: '1.0.0' },
  };
}

/** Passwords never reach a log. */
function masked(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body ?? null;
  const out: Record<string, unknown> = { ...(body as Record<string, unknown>) };
  if ('password' in out) out.password = '*****';
  return out;
}

/**
 * A `sapi` log: "Successful management API write event", with the request (method in lower
 * case, the path with the user id URL-encoded) and the response. `description` is the
 * operation's summary in the Management API's spec.
 */
export function sapiLog(
  tenant: string,
  date: string,
  caller: ApiCaller,
  call: {
    description: string;
    method: string;
    path: string;
    body: unknown;
    status: number;
    response: unknown;
  },
): Auth0LogInput {
  return {
    ...base(tenant, date, 'sapi', call.description),
    client_id: caller.clientId,
    ip: caller.ip,
    user_agent: caller.userAgent,
    details: {
      request: {
        method: call.method.toLowerCase(),
        path: call.path,
        query: {},
        userAgent: caller.userAgent,
        body: masked(call.body),
        channel: 'api',
        ip: caller.ip,
        auth: {
          user: {},
          strategy: 'jwt',
          credentials: { jti: 'emulated', scopes: caller.scopes },
        },
      },
      response: { statusCode: call.status, body: call.response ?? {} },
    },
  } as Auth0LogInput;
}

/** A log of something a user or a connection did, outside the Management API. */
export function userLog(
  tenant: string,
  date: string,
  entry: {
    type: string;
    description: string;
    user: { user_id: string; email?: string | null };
    details?: Record<string, unknown>;
    organization?: { id: string; name: string };
    clientId?: string;
  },
): Auth0LogInput {
  return {
    ...base(tenant, date, entry.type, entry.description),
    client_id: entry.clientId ?? 'aCbTAJNi5HbsjPJtRpSP6BIoLPOrSj2C',
    client_name: 'My App',
    ip: '198.51.100.23',
    hostname: `${tenant}.us.auth0.com`,
    user_id: entry.user.user_id,
    user_name: entry.user.email ?? null,
    connection: DATABASE_CONNECTION.name,
    connection_id: DATABASE_CONNECTION.id,
    strategy: DATABASE_CONNECTION.strategy,
    strategy_type: DATABASE_CONNECTION.strategyType,
    user_agent: 'Chrome 131.0.0 / Mac OS X 10.15.7',
    organization_id: entry.organization?.id ?? null,
    organization_name: entry.organization?.name ?? null,
    details: entry.details ?? {},
  } as Auth0LogInput;
}
