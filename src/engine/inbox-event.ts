import type { RowChange } from './changes.js';
import type { EngineEvent } from './event.js';
import type { Provider } from './provider.js';
import type { InboxEvent } from './store.js';

/** The inbox form of an event; its JSON is made only if something reads it (most applied events never are). */
export function toInbox(event: EngineEvent): InboxEvent {
  return new LazyInboxEvent(event);
}

/** A class, not an object literal with a getter: no closure per event. */
class LazyInboxEvent implements InboxEvent {
  readonly id: string;
  readonly type: string;
  readonly lane: string;
  readonly createdAt: string;
  private text: string | undefined;

  constructor(private readonly event: EngineEvent) {
    this.id = event.id;
    this.type = event.type;
    this.lane = event.lane;
    this.createdAt = event.occurredAt;
  }

  get json(): string {
    return (this.text ??= jsonOf(this.event.raw));
  }
}

/** The event's row changes, or the projection's error (a poison event) instead of a throw. */
export function projectSafely(
  provider: Pick<Provider, 'project'>,
  event: EngineEvent,
): { changes: RowChange[] } | { error: string } {
  try {
    return { changes: provider.project(event) };
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
    // Its top-level strings (an id, a type, a time), whatever the provider calls them.
    const e = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    return JSON.stringify({
      ...Object.fromEntries(Object.entries(e).filter(([, v]) => typeof v === 'string')),
      authsync_unstored: `the event could not be stored: ${(error as Error).message}`,
    });
  }
}

/** The inbox form of an event whose envelope does not parse (see `describeUnreadable`), to park it. */
export function unreadableInbox(
  provider: Pick<Provider, 'describeUnreadable'>,
  raw: unknown,
): InboxEvent {
  return { ...provider.describeUnreadable(raw), createdAt: '', json: jsonOf(raw) };
}
