import type { RowChange } from './changes.js';
import { laneOf, type WorkOSEvent } from './event.js';
import type { Projector } from './ports.js';
import type { InboxEvent } from './store.js';

/** The inbox form of an event; its JSON is made only if something reads it (most applied events never are). */
export function toInbox(event: WorkOSEvent): InboxEvent {
  return new LazyInboxEvent(event);
}

/** A class, not an object literal with a getter: no closure per event. */
class LazyInboxEvent implements InboxEvent {
  readonly id: string;
  readonly type: string;
  readonly lane: string;
  readonly createdAt: string;
  private text: string | undefined;

  constructor(private readonly event: WorkOSEvent) {
    this.id = event.id;
    this.type = event.event;
    this.lane = laneOf(event);
    this.createdAt = event.created_at;
  }

  get json(): string {
    return (this.text ??= JSON.stringify(this.event));
  }
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
