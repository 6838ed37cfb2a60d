import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { HttpBindings } from '@hono/node-server';
import { Hono } from 'hono';
import { ApiError } from '../state/world.js';
import type { Emulator } from '../emulator.js';
import { mountAdmin } from './admin-routes.js';
import { mountEvents } from './events-route.js';
import { mountLists } from './list-routes.js';
import { mountWrites } from './write-routes.js';

const digest = (text: string) => createHash('sha256').update(text).digest();

/** The emulator's HTTP API: WorkOS's routes plus `/_emulator/`. */
export function createEmulatorApp(emulator: Emulator): Hono<{ Bindings: HttpBindings }> {
  const app = new Hono<{ Bindings: HttpBindings }>();
  const expectedKey = digest(`Bearer ${emulator.apiKey}`);

  // Every answer carries an X-Request-ID, as WorkOS's do (the SDK reads it into errors),
  // and a Date from the emulator's clock, so a skewed clock is seen as a real API's would be.
  app.use('*', async (c, next) => {
    c.header('X-Request-ID', randomUUID());
    c.header('Date', new Date(emulator.clock()).toUTCString());
    await next();
  });
  app.use('*', emulator.faults.middleware());
  // WorkOS answers `application/json; charset=utf-8`; the official SDK needs a JSON type.
  app.use('*', async (c, next) => {
    await next();
    const type = c.res.headers.get('content-type');
    if (type !== 'application/json; charset=utf-8' && type?.startsWith('application/json')) {
      c.res.headers.set('content-type', 'application/json; charset=utf-8');
    }
  });
  app.use('*', async (c, next) => {
    if (c.req.path.startsWith('/_emulator/')) return next();
    const given = c.req.header('authorization') ?? '';
    // Compare digests so the comparison is constant-time whatever the lengths.
    if (!timingSafeEqual(digest(given), expectedKey)) {
      return c.json({ message: 'Unauthorized', code: 'unauthorized' }, 401);
    }
    return next();
  });

  mountEvents(app as unknown as Hono, emulator);
  mountLists(app as unknown as Hono, emulator);
  mountWrites(app as unknown as Hono, emulator);
  mountAdmin(app as unknown as Hono, emulator);

  app.notFound((c) => c.json({ message: `Not Found: ${c.req.method} ${c.req.path}` }, 404));
  app.onError((error, c) => {
    if (error instanceof ApiError) return c.json(error.body, error.status as 400);
    if (error.message.startsWith('Invalid ')) return c.json({ message: error.message }, 422);
    console.error('authsync emulator: unexpected error', error);
    return c.json({ message: 'Internal Server Error' }, 500);
  });
  return app;
}
