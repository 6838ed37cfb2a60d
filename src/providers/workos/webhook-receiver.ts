import { unreadableInbox } from '../../engine/inbox-event.js';
import type { WebhookOutcome, WebhookReceiver } from '../../engine/ports.js';
import type { InboxEvent, SyncStore } from '../../engine/store.js';
import { describeUnreadable, parseWorkOSEvent } from './envelope.js';
import type { SignatureRejection, WorkOSWebhookVerifier } from './webhook-verifier.js';

export type WebhookRejection = SignatureRejection | 'invalid_json' | 'not_an_event' | 'too_deep';

/**
 * A WorkOS webhook delivery, from raw bytes to the inbox: verify the signature first, then parse,
 * then store the event durably as `held` (the Events API reader applies it in stream order when
 * the API shows it). Only after the store returns is the delivery acknowledged. Transport (size
 * limits, methods) is the HTTP layer's job.
 */
export class WorkOSWebhookReceiver implements WebhookReceiver {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  constructor(
    private readonly options: {
      store: SyncStore;
      verifier: WorkOSWebhookVerifier;
      clock?: () => number;
    },
  ) {}

  async receive(
    raw: Uint8Array,
    header: (name: string) => string | undefined,
  ): Promise<WebhookOutcome> {
    const now = (this.options.clock ?? Date.now)();
    const verified = await this.options.verifier.verify(raw, header('workos-signature'), now);
    if (!verified.ok)
      return { status: 401, reason: verified.reason, message: SIGNATURE_MESSAGES[verified.reason] };
    let body: unknown;
    try {
      body = JSON.parse(this.decoder.decode(raw));
    } catch {
      return { status: 400, reason: 'invalid_json', message: 'The body is not JSON.' };
    }
    let inbox: InboxEvent;
    try {
      const event = parseWorkOSEvent(body);
      let json: string;
      try {
        json = JSON.stringify(event.raw);
      } catch {
        // Nested past what JSON.stringify can walk (thousands of levels): no real event is.
        return { status: 400, reason: 'too_deep', message: 'The body is nested too deeply.' };
      }
      inbox = {
        id: event.id,
        type: event.type,
        lane: event.lane,
        createdAt: event.occurredAt,
        json,
      };
    } catch (error) {
      // Signed by WorkOS with an id, but not readable otherwise: held like any event, so it is
      // dead-lettered visibly (by the reader, or the sweep if the API never shows it) instead
      // of being refused and redelivered for days.
      const id = (body as { id?: unknown } | null)?.id;
      if (typeof body !== 'object' || body === null || typeof id !== 'string' || id === '')
        return {
          status: 400,
          reason: 'not_an_event',
          message: `The body is not a WorkOS event: ${(error as Error).message}`,
        };
      inbox = unreadableInbox({ describeUnreadable }, body);
    }
    const stored = await this.options.store.storeWebhookEvent(inbox, new Date(now).toISOString());
    return { status: 200, eventId: inbox.id, type: inbox.type, duplicate: !stored };
  }
}

const SIGNATURE_MESSAGES: Record<SignatureRejection, string> = {
  missing_signature: 'The WorkOS-Signature header is missing.',
  malformed_signature: 'The WorkOS-Signature header is not "t=<ms>, v1=<hex>".',
  stale_timestamp: 'The signature is too old.',
  future_timestamp: 'The signature is dated in the future.',
  bad_signature: 'The signature does not match any configured secret.',
};
