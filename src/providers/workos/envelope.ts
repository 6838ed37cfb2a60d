import {
  contentHash,
  InvalidEventError,
  normalizeTimestamp,
  type EngineEvent,
} from '../../engine/event.js';

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

/**
 * Checks the envelope (not the payload: projections do that), normalizes `created_at`, and
 * finds the lane. Ids are taken as they come: any non-empty string.
 */
export function parseWorkOSEvent(input: unknown): EngineEvent {
  if (typeof input !== 'object' || input === null)
    throw new InvalidEventError('event is not an object');
  const e = input as Record<string, unknown>;
  if (typeof e.id !== 'string' || e.id === '')
    throw new InvalidEventError(
      e.id === undefined || e.id === ''
        ? 'event id is missing'
        : `event id is not a string: ${JSON.stringify(e.id)}`,
    );
  if (typeof e.event !== 'string' || e.event === '')
    throw new InvalidEventError(`event ${e.id} has no type`);
  if (typeof e.data !== 'object' || e.data === null)
    throw new InvalidEventError(`event ${e.id} has no data`);
  const event: WorkOSEvent = {
    object: 'event',
    id: e.id,
    event: e.event,
    data: e.data as Record<string, unknown>,
    created_at: normalizeTimestamp(e.created_at, `event ${e.id} created_at`),
    ...(typeof e.context === 'object' && e.context !== null
      ? { context: e.context as Record<string, unknown> }
      : {}),
  };
  return {
    id: event.id,
    type: event.event,
    occurredAt: event.created_at,
    lane: laneOf(event),
    data: event.data,
    raw: event,
  };
}

/**
 * The lane an event is applied in: its organization; for events that belong to none, the object
 * they are about (`user:<id>` for a user's own events and its sessions and sign-ins,
 * `role:<id>` for an environment role, ...), so a poison event holds back only the events of
 * its own object; `''` when even that cannot be told. Events of one lane apply in stream order.
 */
export function laneOf(event: { event: string; data: Record<string, unknown> }): string {
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
export function describeUnreadable(input: unknown): { id: string; type: string; lane: string } {
  const e = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  const type = typeof e.event === 'string' ? e.event : '';
  const data = typeof e.data === 'object' && e.data !== null ? e.data : {};
  const id = typeof e.id === 'string' && e.id !== '' ? e.id : `unidentified_${contentHash(input)}`;
  const lane = laneOf({ event: type, data: data as Record<string, unknown> });
  return { id, type, lane };
}

/** An event's `created_at` in ms, or NaN when it is missing or unreadable (never a throw). */
export function occurredAtMs(raw: unknown): number {
  try {
    return Date.parse(
      normalizeTimestamp((raw as { created_at?: unknown })?.created_at, 'created_at'),
    );
  } catch {
    return Number.NaN;
  }
}
