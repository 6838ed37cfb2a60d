import { Buffer } from 'node:buffer';
import type { Hono } from 'hono';
import { WORKOS_EVENT_TYPES } from '../state/event-types.js';
import { ApiError } from '../state/world.js';
import type { Emulator } from '../emulator.js';
import { isoParam, multiValue, pageRequest } from './params.js';

const LIST_START = Buffer.from('{"object":"list","data":[');
const COMMA = Buffer.from(',');

/** `GET /events`, as wire.md describes the real one. */
export function mountEvents(app: Hono, emulator: Emulator): void {
  app.get('/events', (c) => {
    const page = pageRequest(c);
    const types = multiValue(c, 'events');
    for (const type of types ?? []) {
      if (!WORKOS_EVENT_TYPES.has(type)) {
        throw new ApiError(422, {
          message: 'Validation failed.',
          errors: [
            {
              code: 'invalid_event_type',
              field: 'events',
              message: `Unknown event type '${type}'.`,
            },
          ],
        });
      }
    }
    const rangeStartMs = isoParam(c, 'range_start');
    const rangeEndMs = isoParam(c, 'range_end');
    if (rangeStartMs !== undefined && (page.after !== undefined || page.before !== undefined)) {
      throw ApiError.invalid(
        'range_start',
        'range_start_with_cursor',
        'range_start cannot be combined with after or before.',
      );
    }
    if (rangeStartMs !== undefined && rangeEndMs !== undefined && rangeEndMs < rangeStartMs) {
      throw ApiError.invalid('range_end', 'range_end_before_range_start');
    }
    const organizationId = c.req.query('organization_id') || undefined;
    const world = emulator.world;
    if (
      organizationId &&
      !world.organizations.get(organizationId) &&
      !world.events.knowsOrganization(organizationId)
    ) {
      throw new ApiError(400, { message: `Organization not found: '${organizationId}'.` });
    }
    const result = world.events.query({
      ...page,
      // An empty filter (`events=`, what the SDK sends for `events: []`) filters nothing.
      types: types && types.length > 0 ? new Set(types) : undefined,
      organizationId,
      ...(emulator.variant.ignoresRanges ? {} : { rangeStartMs, rangeEndMs }),
      nowMs: emulator.clock(),
    });
    const parts: Buffer[] = [LIST_START];
    result.data.forEach((bytes, i) => {
      if (i > 0) parts.push(COMMA);
      parts.push(bytes);
    });
    parts.push(
      Buffer.from(
        `],"list_metadata":${JSON.stringify({ before: result.before, after: result.after })}}`,
      ),
    );
    // A Buffer is a Uint8Array: handed over as is, not copied again.
    return c.body(Buffer.concat(parts) as Uint8Array<ArrayBuffer>, 200, {
      'content-type': 'application/json; charset=utf-8',
    });
  });
}
