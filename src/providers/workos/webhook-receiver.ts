import { storeDelivery } from '../../engine/webhook-inbox.js';
import type { WebhookOutcome, WebhookReceiver } from '../../engine/ports.js';
import type { SyncStore } from '../../engine/store.js';
import { describeUnreadable, parseWorkOSEvent } from './envelope.js';
import type { SignatureRejection, WorkOSWebhookVerifier } from './webhook-verifier.js';

/**
 * A WorkOS webhook delivery, from raw bytes to the inbox: verify the signature first, then parse,
 * then store the event durably as `held` (the Events API reader applies it in stream order when
 * the API shows it). Only after the store returns is the delivery acknowledged. Transport (size
 * limits, methods) is the HTTP layer's job.
 */
export class WorkOSWebhookReceiver implements WebhookReceiver {
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
    return storeDelivery(raw, {
      store: this.options.store,
      provider: { parseEvent: parseWorkOSEvent, describeUnreadable },
      what: 'a WorkOS event',
      nowMs: now,
    });
  }

  async testHeaders(raw: Uint8Array, nowMs: number): Promise<Record<string, string>> {
    return { 'WorkOS-Signature': await this.options.verifier.sign(raw, nowMs) };
  }
}

const SIGNATURE_MESSAGES: Record<SignatureRejection, string> = {
  missing_signature: 'The WorkOS-Signature header is missing.',
  malformed_signature: 'The WorkOS-Signature header is not "t=<ms>, v1=<hex>".',
  stale_timestamp: 'The signature is too old.',
  future_timestamp: 'The signature is dated in the future.',
  bad_signature: 'The signature does not match any configured secret.',
};
