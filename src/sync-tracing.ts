import type { DeliveryVerdict, ClaimedDelivery } from './engine/deliveries.js';
import type {
  EventSource,
  SpanAttributes,
  Spans,
  WebhookOutcome,
  WebhookReceiver,
} from './engine/ports.js';
import type { CommitBatch, SyncStore } from './engine/store.js';
import type { SendOutcome } from './delivery/send.js';

/** Ids and lanes listed on a span, at most (the counts say how many in all). */
const LISTED = 100;

/** Reads of the event source, a span each: the source, how many events the page held. */
export function tracedEvents(events: EventSource, spans: Spans, sourceId: string): EventSource {
  return {
    readPage: (cursor, limit, signal) =>
      spans.span(
        'authsync.read_page',
        { 'authsync.source': sourceId, 'authsync.limit': limit },
        async (set) => {
          const page = await events.readPage(cursor, limit, signal);
          set({ 'authsync.events': page.length });
          return page;
        },
      ),
    cursorAfter: (raw) => events.cursorAfter(raw),
    timeRanges: events.timeRanges,
    maxParallelism: events.maxParallelism,
    ...(events.positionMs && { positionMs: events.positionMs.bind(events) }),
  };
}

/** What a commit wrote: its events (ids and lanes), rows, dead letters and deliveries. */
function commitAttributes(batch: CommitBatch, sourceId: string): SpanAttributes {
  const ids = batch.received.map((r) => r.event.id);
  const lanes = [...new Set(batch.received.map((r) => r.event.lane))];
  return {
    'authsync.source': sourceId,
    'authsync.events': ids.length,
    'authsync.event_ids': ids.slice(0, LISTED),
    'authsync.lanes': lanes.slice(0, LISTED),
    'authsync.lane_count': lanes.length,
    'authsync.row_changes': batch.changes.length,
    'authsync.dead_letters': batch.deadLetters.length,
    'authsync.deliveries': batch.deliveries.length,
    ...(batch.cursor?.after ? { 'authsync.cursor': batch.cursor.after } : {}),
  };
}

/** Each commit of `store` in a span. */
export function traceCommits(store: SyncStore, spans: Spans): void {
  const commit = store.commit.bind(store);
  store.commit = (batch) =>
    spans.span('authsync.commit', commitAttributes(batch, store.source.id), () => commit(batch));
}

/** A span for each delivery attempt, timed as the dispatcher timed it. */
export function deliverySpans(
  spans: Spans,
): (
  destination: string,
  outcome: SendOutcome,
  verdict: DeliveryVerdict,
  delivery: ClaimedDelivery,
) => void {
  return (destination, outcome, verdict, delivery) =>
    spans.record(
      'authsync.delivery',
      {
        'authsync.destination': destination,
        'authsync.event_id': delivery.eventId,
        'authsync.event_type': delivery.type,
        'authsync.lane': delivery.lane,
        'authsync.attempt': delivery.attempts + 1,
        'authsync.result': verdict.status,
        ...(outcome.statusCode !== null ? { 'http.response.status_code': outcome.statusCode } : {}),
      },
      outcome.at,
      outcome.durationMs,
      outcome.error,
    );
}

/** A webhook delivery received in a span: its size, the answer, and the event it carried. */
export function tracedReceive(
  receiver: WebhookReceiver,
  spans: Spans,
  sourceId: string,
  raw: Uint8Array,
  header: (name: string) => string | undefined,
): Promise<WebhookOutcome> {
  return spans.span(
    'authsync.webhook',
    { 'authsync.source': sourceId, 'authsync.bytes': raw.byteLength },
    async (set) => {
      const outcome = await receiver.receive(raw, header);
      set({
        'http.response.status_code': outcome.status,
        ...(outcome.status === 200
          ? { 'authsync.event_id': outcome.eventId, 'authsync.duplicate': outcome.duplicate }
          : { 'authsync.refused': outcome.reason }),
      });
      return outcome;
    },
  );
}
