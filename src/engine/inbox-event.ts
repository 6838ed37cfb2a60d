import type { RowChange } from './changes.js';
import { laneOf, type WorkOSEvent } from './event.js';
import type { Projector } from './ports.js';
import type { InboxEvent } from './store.js';

/** The inbox form of an event; its JSON is made only if something reads it (most applied events never are). */
export function toInbox(event: WorkOSEvent): InboxEvent {
  let json: string | undefined;
  return {
    id: event.id,
    type: event.event,
    lane: laneOf(event),
    createdAt: event.created_at,
    get json() {
      return (json ??= JSON.stringify(event));
    },
  };
}

/** The event's row changes, or the projection's error (a poison event) instead of a throw. */
export function projectSafely(
  projector: Projector,
  event: WorkOSEvent,
): { changes: RowChange[] } | { error: string } {
  try {
    return { changes: projector.project(event) };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}
