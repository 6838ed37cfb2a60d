import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Auth0Error } from './errors.js';

/** Every scope authsync's Auth0 source uses, the default grant of the emulated client. */
export const AUTHSYNC_SCOPES = [
  'read:logs',
  'read:users',
  'create:users',
  'update:users',
  'delete:users',
  'read:organizations',
  'create:organizations',
  'update:organizations',
  'delete:organizations',
  'read:organization_members',
  'create:organization_members',
  'delete:organization_members',
  'read:organization_member_roles',
  'create:organization_member_roles',
  'delete:organization_member_roles',
  'read:roles',
  'create:roles',
  'update:roles',
  'delete:roles',
];

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
  /** What the client grant allows. */
  scopes: string[];
}

interface Issued {
  expiresAtMs: number;
  scopes: string[];
  clientId: string;
}

const digest = (text: string) => createHash('sha256').update(text).digest();
const b64url = (value: object | Buffer) =>
  (Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value))).toString('base64url');

/**
 * `POST /oauth/token` (client credentials) and the check of every Management API call: an
 * unknown, expired or malformed token is 401 as Auth0 words it; a token without the scope an
 * operation needs is 403 `insufficient_scope` naming the scopes it would take.
 */
export class TokenIssuer {
  private readonly issued = new Map<string, Issued>();

  constructor(
    readonly client: ClientCredentials,
    private readonly clock: () => number,
    /** `expires_in` of new tokens, seconds (default 86,400, Auth0's default). */
    public lifetimeS = 86_400,
  ) {}

  issue(body: Record<string, unknown>): { status: number; body: Record<string, unknown> } {
    if (body.grant_type !== 'client_credentials')
      return {
        status: 400,
        body: {
          error: 'unsupported_grant_type',
          error_description: 'Unsupported grant type: ' + String(body.grant_type),
        },
      };
    const idOk =
      typeof body.client_id === 'string' && safeEqual(body.client_id, this.client.clientId);
    const secretOk =
      typeof body.client_secret === 'string' &&
      safeEqual(body.client_secret, this.client.clientSecret);
    if (!idOk || !secretOk)
      return { status: 401, body: { error: 'access_denied', error_description: 'Unauthorized' } };
    const audience = typeof body.audience === 'string' ? body.audience : '';
    if (!/\/api\/v2\/$/.test(audience))
      return {
        status: 403,
        body: {
          error: 'access_denied',
          error_description: `Client is not authorized to access "${audience}". You need to create a "client-grant" associated to this API. See: https://auth0.com/docs/api/v2#!/Client_Grants/post_client_grants`,
        },
      };
    const requested = typeof body.scope === 'string' ? body.scope.split(' ').filter(Boolean) : null;
    const scopes = requested
      ? requested.filter((s) => this.client.scopes.includes(s))
      : this.client.scopes;
    const now = this.clock();
    const token = [
      b64url({ alg: 'RS256', typ: 'JWT', kid: 'emulator' }),
      b64url({
        iss: 'emulator',
        sub: `${this.client.clientId}@clients`,
        iat: Math.floor(now / 1000),
        scope: scopes.join(' '),
      }),
      b64url(randomBytes(32)),
    ].join('.');
    this.issued.set(digest(token).toString('hex'), {
      expiresAtMs: now + this.lifetimeS * 1000,
      scopes,
      clientId: this.client.clientId,
    });
    return {
      status: 200,
      body: {
        access_token: token,
        expires_in: this.lifetimeS,
        scope: scopes.join(' '),
        token_type: 'Bearer',
      },
    };
  }

  /** Every token issued so far stops working (a token expiring mid-run). */
  expireAll(): void {
    for (const t of this.issued.values()) t.expiresAtMs = 0;
  }

  /** The caller of a Management API request, or the 401/403 Auth0 answers. */
  check(authorization: string | undefined, anyOf: readonly string[]): Issued {
    const match = /^Bearer (\S+)$/.exec(authorization ?? '');
    if (!match) throw Auth0Error.of(401, 'Missing authentication');
    if (match[1]!.split('.').length !== 3)
      throw Auth0Error.of(400, 'Bad HTTP authentication header format');
    const issued = this.issued.get(digest(match[1]!).toString('hex'));
    if (!issued) throw invalidToken('Invalid token');
    if (issued.expiresAtMs <= this.clock())
      throw invalidToken('Expired token received for JSON Web Token validation');
    if (anyOf.length > 0 && !anyOf.some((s) => issued.scopes.includes(s)))
      throw Auth0Error.of(
        403,
        `Insufficient scope, expected any of: ${anyOf.join(',')}`,
        'insufficient_scope',
      );
    return issued;
  }
}

function invalidToken(message: string): Auth0Error {
  return new Auth0Error(401, {
    statusCode: 401,
    error: 'Unauthorized',
    message,
    attributes: { error: message },
  });
}

function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}
