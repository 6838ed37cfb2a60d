import type { Context, Hono } from 'hono';
import { basicAuth } from 'hono/basic-auth';
import { HTTPException } from 'hono/http-exception';
import { renderStatusPage, type SourceStatus } from './status-page.js';

/** Dead letters listed on the page (the count covers them all). */
const DEAD_LETTERS_SHOWN = 20;

export interface StatusRouteOptions<C extends Context> {
  /** `AUTHSYNC_STATUS_PASSWORD` (per request on Workers, where vars come with it). */
  password: (c: C) => string | undefined;
  /** Each source's report and dead letters, read from the store. */
  load: (c: C) => Promise<SourceStatus[]>;
}

/**
 * `GET /status`, the same on Node and on Workers: the status page for a browser, the JSON of
 * `authsync status --json` for anything else (one source's report; with several, an array). It shows event ids, organization ids and errors,
 * so it needs a password (HTTP Basic, user `authsync`, compared in constant time by Hono) and
 * is off until one is set.
 */
export function mountStatusRoute<C extends Context>(
  app: Hono,
  options: StatusRouteOptions<C>,
): void {
  app.get(
    '/status',
    async (c, next) => {
      const password = options.password(c as C);
      if (!password)
        return c.json(
          {
            error:
              'The status page is off: set AUTHSYNC_STATUS_PASSWORD to open it (user authsync), or run `authsync status`.',
          },
          403,
        );
      try {
        return await basicAuth({ username: 'authsync', password, realm: 'authsync' })(c, next);
      } catch (error) {
        // The 401 with its challenge, not the app's error handler's 500.
        if (error instanceof HTTPException) return error.getResponse();
        throw error;
      }
    },
    async (c) => {
      const sources = await options.load(c as C);
      c.header('Cache-Control', 'no-store');
      if (!(c.req.header('accept') ?? '').includes('text/html')) {
        const reports = sources.map((s) => s.report);
        return c.json(reports.length === 1 ? reports[0] : reports);
      }
      c.header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'");
      c.header('X-Content-Type-Options', 'nosniff');
      return c.html(
        renderStatusPage(
          sources.map((s) => ({ ...s, deadLetters: s.deadLetters.slice(0, DEAD_LETTERS_SHOWN) })),
        ),
      );
    },
  );
}
