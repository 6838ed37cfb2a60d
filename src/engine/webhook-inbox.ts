import { unreadableInbox } from './inbox-event.js';
import type { WebhookOutcome } from './ports.js';
import type { Provider } from './provider.js';
import type { InboxEvent, SyncStore } from './store.js';

const decoder = new TextDecoder('utf-8', { fatal: true });

/** The one field of `doctor`'s test delivery: verified like any delivery, then answered unstored. */
const DOCTOR_TEST_FIELD = 'authsync_doctor_test';

/** The body `authsync doctor` sends, signed with the source's secret, to a running `serve`. */
export function doctorTestBody(nonce: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(JSON.stringify({ [DOCTOR_TEST_FIELD]: nonce }));
}

function doctorTestNonce(body: unknown): string | null {
  if (typeof body !== 'object' || body === null || Object.keys(body).length !== 1) return null;
  const nonce = (body as Record<string, unknown>)[DOCTOR_TEST_FIELD];
  return typeof nonce === 'string' ? nonce : null;
}

/**
 * A delivery already verified, from bytes to the inbox (as `held`): parsed, stored once per
 * event id, and only then acknowledged (`doctor`'s test delivery is acknowledged unstored). An envelope with an id that does not parse is stored
 * too, to be dead-lettered visibly instead of refused and redelivered for days.
 */
export async function storeDelivery(
  raw: Uint8Array,
  options: {
    store: SyncStore;
    provider: Pick<Provider, 'parseEvent' | 'describeUnreadable'>;
    /** How an unreadable body is named in the answer ("a WorkOS event"). */
    what: string;
    nowMs: number;
  },
): Promise<WebhookOutcome> {
  let body: unknown;
  try {
    body = JSON.parse(decoder.decode(raw));
  } catch {
    return { status: 400, reason: 'invalid_json', message: 'The body is not JSON.' };
  }
  const nonce = doctorTestNonce(body);
  if (nonce !== null)
    return { status: 200, eventId: nonce, type: DOCTOR_TEST_FIELD, duplicate: false, test: true };
  let inbox: InboxEvent;
  try {
    const event = options.provider.parseEvent(body);
    let json: string;
    try {
      json = JSON.stringify(event.raw);
    } catch {
      // Nested past what JSON.stringify can walk (thousands of levels): no real event is.
      return { status: 400, reason: 'too_deep', message: 'The body is nested too deeply.' };
    }
    inbox = { id: event.id, type: event.type, lane: event.lane, createdAt: event.occurredAt, json };
  } catch (error) {
    const id = (body as { id?: unknown } | null)?.id;
    if (typeof body !== 'object' || body === null || typeof id !== 'string' || id === '')
      return {
        status: 400,
        reason: 'not_an_event',
        message: `The body is not ${options.what}: ${(error as Error).message}`,
      };
    inbox = unreadableInbox(options.provider, body);
  }
  const stored = await options.store.storeWebhookEvent(
    inbox,
    new Date(options.nowMs).toISOString(),
  );
  return { status: 200, eventId: inbox.id, type: inbox.type, duplicate: !stored };
}
