import {
  contentHash,
  InvalidEventError,
  normalizeTimestamp,
  type EngineEvent,
} from '../../engine/event.js';

export type Obj = Record<string, unknown>;

/** A Management API call as a `sapi` log records it: the path without `/api/v2`, decoded. */
export interface ApiCall {
  method: string;
  /** Path segments after `/api/v2/`, each URL-decoded (`auth0%7C…` → `auth0|…`). */
  segments: string[];
  body: unknown;
  status: number;
  response: unknown;
}

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The call a `sapi` log records, or undefined for other logs or a `details` it cannot read. */
export function apiCallOf(log: Obj): ApiCall | undefined {
  if (log.type !== 'sapi' || !isObj(log.details)) return undefined;
  const { request, response } = log.details;
  if (!isObj(request) || typeof request.path !== 'string' || typeof request.method !== 'string')
    return undefined;
  const path = request.path.split('?')[0]!;
  if (!path.startsWith('/api/v2/')) return undefined;
  let segments: string[];
  try {
    segments = path.slice('/api/v2/'.length).split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    return undefined;
  }
  return {
    method: request.method.toUpperCase(),
    segments,
    body: request.body,
    status: isObj(response) && typeof response.statusCode === 'number' ? response.statusCode : 0,
    response: isObj(response) ? response.body : undefined,
  };
}

/**
 * The lane a log is applied in: the organization it is about (in a Management API path, or its
 * `organization_id`), else `user:<id>` or `role:<id>`, else `''`. A poison log holds back only
 * its own organization's or object's logs.
 */
export function laneOf(log: Obj): string {
  const call = apiCallOf(log);
  if (call) {
    const [family, id] = call.segments;
    const created = isObj(call.response) ? call.response : {};
    if (family === 'organizations') return id ?? str(created.id) ?? '';
    if (family === 'users') {
      const user = id ?? str(created.user_id);
      return user ? `user:${user}` : '';
    }
    if (family === 'roles') {
      const role = id ?? str(created.id);
      return role ? `role:${role}` : '';
    }
    return '';
  }
  const organization = str(log.organization_id);
  if (organization) return organization;
  const user = str(log.user_id);
  return user ? `user:${user}` : '';
}

/** An Event Streams delivery (a CloudEvent), not a log. */
export function isCloudEvent(o: Obj): boolean {
  return typeof o.specversion === 'string';
}

/** A CloudEvent's `data.object`, or `{}`. */
export function objectOf(o: Obj): Obj {
  const data = isObj(o.data) ? o.data : {};
  return isObj(data.object) ? data.object : {};
}

/** The lane of a CloudEvent: its organization, else `user:<id>`, else `''`. */
function cloudLane(o: Obj): string {
  const object = objectOf(o);
  const type = typeof o.type === 'string' ? o.type : '';
  const org = isObj(object.organization) ? str(object.organization.id) : undefined;
  if (org) return org;
  if (type.startsWith('organization.')) return str(object.id) ?? '';
  const user = str(object.user_id) ?? (isObj(object.user) ? str(object.user.user_id) : undefined);
  return user ? `user:${user}` : '';
}

/** A log's id (`log_id`, or the legacy `_id` the API also sends), or a CloudEvent's `id`. */
function idOf(o: Obj): string | undefined {
  return isCloudEvent(o) ? str(o.id) : (str(o.log_id) ?? str(o._id));
}

/**
 * A tenant log (`GET /api/v2/logs`) as an engine event: its `log_id`, type, `date` and lane; or
 * an Event Streams CloudEvent: its `id` (`evt_…`), type, `time` and lane.
 */
export function parseAuth0Log(input: unknown): EngineEvent {
  if (!isObj(input)) throw new InvalidEventError('log is not an object');
  if (isCloudEvent(input)) {
    const id = idOf(input);
    if (!id) throw new InvalidEventError('event id is missing');
    if (typeof input.type !== 'string' || input.type === '')
      throw new InvalidEventError(`event ${id} has no type`);
    if (!isObj(input.data) || !isObj(input.data.object))
      throw new InvalidEventError(`event ${id} has no data.object`);
    const time = normalizeTimestamp(input.time, `event ${id} time`);
    return {
      id,
      type: input.type,
      occurredAt: time,
      lane: cloudLane(input),
      data: input,
      raw: input,
    };
  }
  const id = idOf(input);
  if (!id)
    throw new InvalidEventError(
      input.log_id === undefined
        ? 'log_id is missing'
        : `log_id is not a string: ${JSON.stringify(input.log_id)}`,
    );
  if (typeof input.type !== 'string' || input.type === '')
    throw new InvalidEventError(`log ${id} has no type`);
  const date = normalizeTimestamp(input.date, `log ${id} date`);
  return { id, type: input.type, occurredAt: date, lane: laneOf(input), data: input, raw: input };
}

/** What can be told of a log that does not parse, to park it visibly. */
export function describeUnreadable(input: unknown): { id: string; type: string; lane: string } {
  const log = isObj(input) ? input : {};
  return {
    id: idOf(log) ?? `unidentified_${contentHash(input)}`,
    type: typeof log.type === 'string' ? log.type : '',
    lane: isCloudEvent(log) ? cloudLane(log) : laneOf(log),
  };
}

/** A log's `date` in ms, or NaN. */
export function occurredAtMs(raw: unknown): number {
  try {
    const o = (raw ?? {}) as Obj;
    return Date.parse(normalizeTimestamp(isCloudEvent(o) ? o.time : o.date, 'date'));
  } catch {
    return Number.NaN;
  }
}
