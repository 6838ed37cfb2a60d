/** A WorkOS event as the Events API and webhooks deliver it (ids are the same in both). */
export interface WorkOSEvent {
  object: 'event';
  id: string;
  event: string;
  data: Record<string, unknown>;
  /** Normalized to ISO-8601 with milliseconds and `Z` (see `normalizeTimestamp`). */
  created_at: string;
  context?: Record<string, unknown>;
}

export class InvalidEventError extends Error {}

/**
 * ISO-8601 with milliseconds in UTC, so timestamps compare as strings. Tolerant of the docs'
 * `2023-04-28 20:05:31.093` spelling (a space, no zone: taken as UTC).
 */
const NORMALIZED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function normalizeTimestamp(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '')
    throw new InvalidEventError(`${field} is missing or not a string`);
  // The common case: already in the normal form (and a real date).
  if (NORMALIZED.test(value) && !Number.isNaN(Date.parse(value))) return value;
  let text = value.trim();
  if (/^\d{4}-\d{2}-\d{2} \d/.test(text)) text = text.replace(' ', 'T');
  if (/T[\d:.]+$/.test(text)) text += 'Z';
  const ms = Date.parse(text);
  if (Number.isNaN(ms))
    throw new InvalidEventError(`${field} is not a timestamp: ${JSON.stringify(value)}`);
  return new Date(ms).toISOString();
}

/** Checks the envelope (not the payload: projections do that) and normalizes `created_at`. */
export function parseEvent(input: unknown): WorkOSEvent {
  if (typeof input !== 'object' || input === null)
    throw new InvalidEventError('event is not an object');
  const e = input as Record<string, unknown>;
  if (typeof e.id !== 'string' || !e.id.startsWith('event_'))
    throw new InvalidEventError('event id is missing');
  if (typeof e.event !== 'string' || e.event === '')
    throw new InvalidEventError(`event ${e.id} has no type`);
  if (typeof e.data !== 'object' || e.data === null)
    throw new InvalidEventError(`event ${e.id} has no data`);
  return {
    object: 'event',
    id: e.id,
    event: e.event,
    data: e.data as Record<string, unknown>,
    created_at: normalizeTimestamp(e.created_at, `event ${e.id} created_at`),
    ...(typeof e.context === 'object' && e.context !== null
      ? { context: e.context as Record<string, unknown> }
      : {}),
  };
}

/**
 * The lane an event is applied in: its organization; for events that belong to none, the object
 * they are about (`user:<id>` for a user's own events and its sessions and sign-ins,
 * `role:<id>` for an environment role, ...), so a poison event holds back only the events of
 * its own object; `''` when even that cannot be told. Events of one lane apply in stream order.
 */
export function laneOf(event: WorkOSEvent): string {
  const d = event.data;
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const nested = (k: string) => {
    const v = d[k];
    return typeof v === 'object' && v !== null
      ? str((v as Record<string, unknown>).organization_id)
      : undefined;
  };
  const family = event.event.slice(0, event.event.indexOf('.') >>> 0);
  const organization =
    str(d.organization_id) ??
    nested('organization_domain') ??
    nested('group') ??
    nested('user') ??
    (family === 'organization' ? str(d.id) : undefined);
  if (organization) return organization;
  const user = str(d.user_id) ?? (family === 'user' ? str(d.id) : undefined);
  if (user) return `user:${user}`;
  const id = str(d.id);
  return id && family ? `${family}:${id}` : '';
}

/**
 * What can be told of an event whose envelope does not parse, so it can be parked visibly (a
 * dead letter) instead of stopping the sync: its id (one derived from its content when it has
 * none, the same for every copy), its type, and the lane its payload names when that can be read.
 */
export function unparsedEnvelope(input: unknown): { id: string; type: string; lane: string } {
  const e = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  const type = typeof e.event === 'string' ? e.event : '';
  const data = typeof e.data === 'object' && e.data !== null ? e.data : {};
  const id = typeof e.id === 'string' && e.id !== '' ? e.id : `unidentified_${contentHash(input)}`;
  const lane = laneOf({ object: 'event', id, event: type, data: data as never, created_at: '' });
  return { id, type, lane };
}

/** 64 bits (two FNV-1a hashes with different offset bases) of the JSON text: a stable name. */
function contentHash(input: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(input) ?? String(input);
  } catch {
    text = String(input);
  }
  const hex = (h: number) => h.toString(16).padStart(8, '0');
  return hex(fnv1a(text)) + hex(fnv1a(text, 0x01000193));
}

/** FNV-1a, 32 bits, of a string's UTF-16 code units: the same in every process. */
export function fnv1a(text: string, basis = 0x811c9dc5): number {
  let h = basis;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** An event's `created_at` in ms, or NaN when it is missing or unreadable (never a throw). */
export function eventTimeMs(raw: unknown): number {
  try {
    return Date.parse(
      normalizeTimestamp((raw as { created_at?: unknown })?.created_at, 'created_at'),
    );
  } catch {
    return Number.NaN;
  }
}
