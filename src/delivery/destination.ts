import { z } from 'zod';
import { ConfigError } from '../engine/config-error.js';
import type { DeliveryRoute, EffectHandler } from '../engine/deliveries.js';
import type { InboxEvent } from '../engine/store.js';
import { DEFAULT_SCHEDULE_MS, parseDuration } from './schedule.js';

/** A destination as configuration gives it (`createSync({ destinations })`, a config file). */
export interface DestinationConfig {
  /** Lowercase letters, digits, `_` and `-`: how the CLI, metrics and the status page name it. */
  name: string;
  /** The application's endpoint (http or https, no credentials in it). */
  url: string;
  /**
   * Standard Webhooks secrets (`whsec_` + base64 of 24–64 bytes), newest first: deliveries are
   * signed with the first; during a rotation list the new one first and the old one after it
   * (receivers accept either; authsync itself only signs).
   */
  secrets: string[];
  /** Event types: exact, `prefix.*`, or `*` (default: every type). */
  events?: string[];
  /** Only events of these organizations (their lanes); default all. */
  organizations?: string[];
  /** Only events of these sources (by source id); default all. */
  sources?: string[];
  /** `lane` (default): one at a time per organization, in order. `none`: any order. */
  ordering?: 'lane' | 'none';
  /** Deliveries in flight at once (default 16). */
  concurrency?: number;
  /** Milliseconds an attempt may take (default 15,000). */
  timeoutMs?: number;
  /** Waits after each failed attempt (ms or `5s`, `5m`, `2h`); default 5s 5m 30m 2h 5h 10h 10h. */
  schedule?: (number | string)[];
  /** Days a destination may fail without a success before it is disabled (default 5). */
  disableAfterDays?: number;
}

/** A destination ready to use. */
export interface Destination {
  name: string;
  url: string;
  secrets: string[];
  events?: string[];
  organizations?: Set<string>;
  sources?: Set<string>;
  ordered: boolean;
  concurrency: number;
  timeoutMs: number;
  scheduleMs: number[];
  disableAfterMs: number;
  /** A further test an event must pass (a provider's, such as Auth0's API path filter). */
  accepts?: (event: unknown) => boolean;
  /** A function destination (`Sync.on`): called with the event instead of a POST to `url`. */
  handler?: EffectHandler;
}

/** The one destination `AUTHSYNC_FORWARD_URL`/`_SECRET`/`_EVENTS` describe (`forward` option). */
export interface ForwardTarget {
  url: string;
  secret: string;
  events?: string[];
}

/** The name the one destination of `AUTHSYNC_FORWARD_URL` goes by. */
export const FORWARD_DESTINATION = 'default';

/**
 * A source's destinations: those configured, and the one of `AUTHSYNC_FORWARD_URL` (named
 * `default`), which also passes the provider's own filter (Auth0's API paths and methods).
 */
export function destinationsFor(
  configs: readonly unknown[],
  forward: ForwardTarget | null,
  providerFilter?: (event: unknown) => boolean,
): Destination[] {
  const legacy = forward
    ? [
        {
          name: FORWARD_DESTINATION,
          url: forward.url,
          secrets: [forward.secret],
          ...(forward.events ? { events: forward.events } : {}),
        },
      ]
    : [];
  return resolveDestinations([...legacy, ...configs]).map((d) =>
    d.name === FORWARD_DESTINATION && forward && providerFilter
      ? { ...d, accepts: providerFilter }
      : d,
  );
}

const EVENT_PATTERN = /^(\*|[a-z_]+(\.[a-z_]+)*(\.\*)?)$/;

const NAME = z.string().regex(/^[a-z][a-z0-9_-]{0,63}$/, 'lowercase letters, digits, _ and -');

/** How a destination of either kind sends: order, concurrency, timeout, retries, patience. */
const sendingSchema = z.object({
  ordering: z.enum(['lane', 'none']).optional(),
  concurrency: z.number().int().min(1).max(256).optional(),
  timeoutMs: z.number().int().min(100).max(120_000).optional(),
  schedule: z
    .array(z.union([z.number().int().min(0), z.string()]))
    .max(50)
    .optional(),
  disableAfterDays: z.number().min(0.001).max(365).optional(),
});

const configSchema = z
  .object({
    name: NAME,
    url: z.string(),
    secrets: z.array(z.string()).min(1).max(10),
    events: z
      .array(z.string().regex(EVENT_PATTERN, 'an event type, a prefix such as user.*, or *'))
      .optional(),
    organizations: z.array(z.string().min(1)).optional(),
    sources: z.array(z.string().min(1)).optional(),
    ...sendingSchema.shape,
  })
  .strict();

const handlerSchema = z.object({ name: NAME.optional(), ...sendingSchema.shape }).strict();

/** How a handler of `Sync.on` is delivered to: as a destination, with these settings. */
export type HandlerOptions = z.infer<typeof handlerSchema>;

/** The sending settings of a destination, checked (errors name `where`). */
function sendingSettings(
  c: z.infer<typeof sendingSchema>,
  where: string,
): Pick<Destination, 'ordered' | 'concurrency' | 'timeoutMs' | 'scheduleMs' | 'disableAfterMs'> {
  const scheduleMs = (c.schedule ?? DEFAULT_SCHEDULE_MS).map((d) => {
    const ms = parseDuration(d);
    if (ms === null)
      throw new ConfigError(
        `${where}: schedule: ${JSON.stringify(d)} is not a duration (ms, or 5s, 5m, 2h).`,
      );
    return ms;
  });
  return {
    ordered: (c.ordering ?? 'lane') === 'lane',
    concurrency: c.concurrency ?? 16,
    timeoutMs: c.timeoutMs ?? 15_000,
    scheduleMs,
    disableAfterMs: (c.disableAfterDays ?? 5) * 86_400_000,
  };
}

/**
 * A handler of `Sync.on` as a destination of its own (its deliveries, retries and failures
 * apart from every other handler's): named by `options.name`, else after its event type
 * (`on_user_created`, `on_all` for `*`; a second handler of a type gets `_2`, and so on, so
 * names hold across restarts while handlers are registered in the same order).
 */
export function handlerDestination(
  type: string,
  handler: EffectHandler,
  options: HandlerOptions | undefined,
  taken: ReadonlySet<string>,
): Destination {
  const parsed = handlerSchema.safeParse(options ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`on(${JSON.stringify(type)}): ${issue.path.join('.')}: ${issue.message}`);
  }
  const typeName =
    type === '*'
      ? 'all'
      : type
          .toLowerCase()
          .replace(/\.\*$/, '_any')
          .replace(/[^a-z0-9_]/g, '_');
  const base = `on_${typeName}`.slice(0, 60);
  let name = parsed.data.name ?? base;
  for (let n = 2; !parsed.data.name && taken.has(name); n++) name = `${base}_${n}`;
  if (taken.has(name))
    throw new ConfigError(`on(${JSON.stringify(type)}): the name ${name} is taken`);
  return {
    name,
    url: '',
    secrets: [],
    ...(type === '*' ? {} : { events: [type] }),
    ...sendingSettings(parsed.data, `on(${JSON.stringify(type)})`),
    handler,
  };
}

/** Whether `type` is among `patterns` (exact types, `prefix.*`, or `*`). */
export function matchesEventTypes(type: string, patterns: string[] | undefined): boolean {
  if (!patterns) return true;
  return patterns.some((p) =>
    p === '*' ? true : p.endsWith('.*') ? type.startsWith(p.slice(0, -1)) : type === p,
  );
}

/** How many bytes a `whsec_` secret (the prefix may be left out) decodes to (0: not base64). */
export function secretBytes(secret: string): number {
  const text = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length % 4 !== 0) return 0;
  return atob(text).length;
}

/** Standard Webhooks secrets are `whsec_` + base64 of 24–64 random bytes. */
function checkSecret(secret: string, where: string): void {
  const bytes = secretBytes(secret);
  if (bytes < 24 || bytes > 64)
    throw new ConfigError(
      `${where} is not a Standard Webhooks secret: whsec_ followed by the base64 of 24 to 64 random bytes (for example whsec_ and the output of \`openssl rand -base64 32\`).`,
    );
}

function checkUrl(url: string, where: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`${where} is not an http(s) URL.`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    throw new ConfigError(`${where} is not an http(s) URL.`);
  // fetch refuses such a URL: every delivery would fail, forever.
  if (parsed.username !== '' || parsed.password !== '')
    throw new ConfigError(
      `${where} has a user or password in it, which cannot be sent: deliveries are authenticated by their signature.`,
    );
}

/** Checks destinations from configuration; every error names the destination and the field. */
export function resolveDestinations(configs: readonly unknown[]): Destination[] {
  const seen = new Set<string>();
  return configs.map((raw, i) => {
    const parsed = configSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new ConfigError(
        `destination ${i + 1}: ${issue.path.join('.') || 'it'}: ${issue.message}`,
      );
    }
    const c = parsed.data;
    const where = `destination ${c.name}`;
    if (seen.has(c.name)) throw new ConfigError(`${where} is named twice.`);
    seen.add(c.name);
    checkUrl(c.url, `${where}: url`);
    c.secrets.forEach((s, j) => checkSecret(s, `${where}: secrets[${j}]`));
    return {
      name: c.name,
      url: c.url,
      secrets: c.secrets,
      ...(c.events?.length ? { events: c.events } : {}),
      ...(c.organizations?.length ? { organizations: new Set(c.organizations) } : {}),
      ...(c.sources?.length ? { sources: new Set(c.sources) } : {}),
      ...sendingSettings(c, where),
    };
  });
}

/**
 * Where applied events go: the destinations whose filters each passes. An event's object is
 * parsed only where a destination tests it further (`accepts`).
 */
export function routerFor(
  destinations: readonly Destination[],
  sourceId: string,
): (event: InboxEvent) => DeliveryRoute[] {
  const mine = destinations.filter((d) => !d.sources || d.sources.has(sourceId));
  if (mine.length === 0) return () => [];
  return (event) => {
    const routes: DeliveryRoute[] = [];
    let parsed: unknown;
    for (const d of mine) {
      if (!matchesEventTypes(event.type, d.events)) continue;
      if (d.organizations && !d.organizations.has(event.lane)) continue;
      if (d.accepts) {
        parsed ??= JSON.parse(event.json);
        if (!d.accepts(parsed)) continue;
      }
      routes.push({ destination: d.name, ordered: d.ordered });
    }
    return routes;
  };
}
