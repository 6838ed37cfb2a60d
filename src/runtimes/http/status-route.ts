import type { Context, Hono, MiddlewareHandler } from 'hono';
import type { DeliveryRecord } from '../../engine/deliveries.js';
import { redactUrls } from '../../engine/redact.js';
import {
  actionToken,
  fromThisSite,
  parseAction,
  tokenValid,
  type StatusAction,
} from './status-actions.js';
import { basicAuth } from 'hono/basic-auth';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { renderStatusPage, type SourceStatus } from './status-page.js';

/** Dead letters listed on the page (the count covers them all). */
const DEAD_LETTERS_SHOWN = 20;

export interface StatusRouteOptions<C extends Context> {
  /** `AUTHSYNC_STATUS_PASSWORD` (per request on Workers, where vars come with it). */
  password: (c: C) => string | undefined;
  /** Each source's report and dead letters, read from the store. */
  load: (c: C) => Promise<SourceStatus[]>;
  /** The page's buttons: the failed deliveries to show, and what a button does (none: no buttons). */
  actions?: {
    failedDeliveries: (c: C) => Promise<DeliveryRecord[]>;
    act: (c: C, action: StatusAction) => Promise<void>;
  };
}

/**
 * HTTP Basic, user `authsync`, the password compared in constant time by Hono; a wrong one gets
 * the 401 with its challenge (not the app's error handler's 500).
 */
export function passwordRequired(password: string): MiddlewareHandler {
  const check = basicAuth({ username: 'authsync', password, realm: 'authsync' });
  return async (c, next) => {
    try {
      return await check(c, next);
    } catch (error) {
      if (error instanceof HTTPException) return error.getResponse();
      throw error;
    }
  };
}

/** A form's body is a few hidden fields. */
const MAX_FORM_BYTES = 4096;

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
  const auth: MiddlewareHandler = async (c, next) => {
    const password = options.password(c as C);
    if (!password)
      return c.json(
        {
          error:
            'The status page is off: set AUTHSYNC_STATUS_PASSWORD to open it (user authsync), or run `authsync status`.',
        },
        403,
      );
    return passwordRequired(password)(c, next);
  };
  app.get('/status', auth, async (c) => {
    const sources = await options.load(c as C);
    c.header('Cache-Control', 'no-store');
    if (!(c.req.header('accept') ?? '').includes('text/html')) {
      const reports = sources.map((s) => s.report);
      return c.json(reports.length === 1 ? reports[0] : reports);
    }
    c.header(
      'Content-Security-Policy',
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
    );
    c.header('X-Content-Type-Options', 'nosniff');
    const actions = options.actions && {
      token: await actionToken(options.password(c as C)!),
      failedDeliveries: await options.actions.failedDeliveries(c as C),
    };
    return c.html(
      renderStatusPage(
        sources.map((s) => ({ ...s, deadLetters: s.deadLetters.slice(0, DEAD_LETTERS_SHOWN) })),
        Date.now(),
        actions,
      ),
    );
  });
  const actions = options.actions;
  if (!actions) return;
  // A button: the password, a request from this page (not another site's), its token; then
  // back to the page.
  const formLimit = bodyLimit({
    maxSize: MAX_FORM_BYTES,
    onError: (c) => c.json({ error: 'A form of a few fields is expected.' }, 413),
  });
  app.post('/status/actions', auth, formLimit, async (c) => {
    if (!fromThisSite(c)) return c.json({ error: 'Actions come from the status page only.' }, 403);
    const form = await c.req.parseBody();
    if (!(await tokenValid(options.password(c as C)!, form.token)))
      return c.json({ error: 'The form is not from this status page; reload it.' }, 403);
    const action = parseAction(form);
    if (typeof action === 'string') return c.json({ error: action }, 400);
    try {
      await actions.act(c as C, action);
    } catch (error) {
      // Gone already (another click, the CLI), or not what the form says.
      return c.json({ error: redactUrls((error as Error).message) }, 409);
    }
    return c.redirect('/status', 303);
  });
}
