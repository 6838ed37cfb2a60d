import type { RowChange } from './changes.js';
import { laneOf, unparsedEnvelope, type WorkOSEvent } from './event.js';
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
    return (this.text ??= jsonOf(this.event));
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

/**
 * An event's JSON for the inbox, whatever it holds: JSON.parse takes any depth, but
 * JSON.stringify overflows the stack past a few thousand levels. Such an event (parked: its
 * projection fails the same way) keeps its envelope, and a note instead of its body.
 */
export function jsonOf(raw: unknown): string {
  try {
    return JSON.stringify(raw) ?? 'null';
  } catch (error) {
    const e = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const pick = (v: unknown) => (typeof v === 'string' ? v : null);
    return JSON.stringify({
      id: pick(e.id),
      event: pick(e.event),
      created_at: pick(e.created_at),
      authsync_unstored: `the event could not be stored: ${(error as Error).message}`,
    });
  }
}

/** The inbox form of an event whose envelope does not parse (see `unparsedEnvelope`), to park it. */
export function unreadableInbox(raw: unknown): InboxEvent {
  return { ...unparsedEnvelope(raw), createdAt: '', json: jsonOf(raw) };
}
