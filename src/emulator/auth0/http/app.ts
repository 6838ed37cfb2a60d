import type { HttpBindings } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import type { Auth0Emulator } from '../emulator.js';
import { Auth0Error } from '../errors.js';
import type { ApiCaller } from '../log-entries.js';
import { mountAdmin } from './admin-routes.js';
import { mountExports } from './export-routes.js';
import { mountReads } from './read-routes.js';
import { mountWrites } from './write-routes.js';

/** The emulated tenant's HTTP API: `/oauth/token`, the Management API under `/api/v2/`, and `/_emulator/`. */
export function createAuth0App(emulator: Auth0Emulator): Hono<{ Bindings: HttpBindings }> {
  const app = new Hono<{ Bindings: HttpBindings }>();
  // A Date from the tenant's clock, so a skewed clock is seen as a real tenant's would be.
  app.use('*', async (c, next) => {
    c.header('Date', new Date(emulator.clock()).toUTCString());
    await next();
  });
  app.use('*', emulator.faults.middleware());
  // Rate limits on every Management API call, with Auth0's headers on every answer.
  app.use('/api/v2/*', async (c, next) => {
    const { allowed, headers } = emulator.limits.take(c.req.method, c.req.path);
    if (!allowed)
      return c.json(
        {
          statusCode: 429,
          error: 'Too Many Requests',
          message: 'Global limit has been reached',
          errorCode: 'too_many_requests',
        },
        429,
        headers,
      );
    await next();
    for (const [k, v] of Object.entries(headers)) c.res.headers.set(k, v);
  });

  app.post('/oauth/token', async (c) => {
    const type = c.req.header('content-type') ?? '';
    let body: Record<string, unknown>;
    try {
      body = type.includes('application/x-www-form-urlencoded')
        ? Object.fromEntries(new URLSearchParams(await c.req.text()))
        : ((await c.req.json()) as Record<string, unknown>);
    } catch {
      return c.json({ error: 'invalid_request', error_description: 'Invalid request body.' }, 400);
    }
    const answer = emulator.tokens.issue(body ?? {});
    return c.json(answer.body, answer.status as 200);
  });

  const scoped = (c: Context, anyOf: string[]) =>
    emulator.tokens.check(c.req.header('authorization'), anyOf);
  const caller = (c: Context, anyOf: string[]): ApiCaller => {
    const issued = scoped(c, anyOf);
    return {
      clientId: issued.clientId,
      scopes: issued.scopes,
      ip: '127.0.0.1',
      userAgent: c.req.header('user-agent') ?? '',
    };
  };
  mountReads(app as unknown as Hono, emulator, scoped);
  mountWrites(app as unknown as Hono, emulator, caller);
  mountExports(app as unknown as Hono, emulator, scoped);
  mountAdmin(app as unknown as Hono, emulator);

  app.notFound((c) => c.json({ statusCode: 404, error: 'Not Found', message: 'Not Found' }, 404));
  app.onError((error, c) => {
    if (error instanceof Auth0Error) return c.json(error.body, error.status as 400);
    console.error('authsync Auth0 emulator: unexpected error', error);
    return c.json(
      { statusCode: 500, error: 'Internal Server Error', message: 'Internal Server Error' },
      500,
    );
  });
  return app;
}
