import { storeDelivery } from '../../engine/webhook-inbox.js';
import type { WebhookOutcome, WebhookReceiver } from '../../engine/ports.js';
import type { SyncStore } from '../../engine/store.js';
import { describeUnreadable, parseAuth0Log } from './envelope.js';

/** The header an Event Stream's deliveries must carry, and its value. */
export interface StreamCredential {
  header: string;
  value: string;
}

const encoder = new TextEncoder();

async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text)));
}

/** Equal digests, compared in constant time (the lengths of the secrets never matter). */
async function sameSecret(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([digest(given), digest(expected)]);
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/**
 * Auth0 Event Streams deliveries (CloudEvents POSTed to a webhook, with no signature): the
 * configured authorization is checked in constant time before anything is parsed, then the event
 * is stored in the inbox, once per event id. They are events in their own right (the logs never
 * show them), so they are applied as soon as they are stored, in whatever order they come: the
 * rows' time guards keep the newest.
 */
export class Auth0EventStreamReceiver implements WebhookReceiver {
  readonly appliesAtOnce = true;

  constructor(
    private readonly options: {
      store: SyncStore;
      credential: StreamCredential;
      clock?: () => number;
    },
  ) {}

  async receive(
    raw: Uint8Array,
    header: (name: string) => string | undefined,
  ): Promise<WebhookOutcome> {
    const { credential } = this.options;
    const given = header(credential.header.toLowerCase());
    if (given === undefined)
      return {
        status: 401,
        reason: 'missing_signature',
        message: `The ${credential.header} header is missing.`,
      };
    if (!(await sameSecret(given, credential.value)))
      return {
        status: 401,
        reason: 'bad_signature',
        message: `The ${credential.header} header does not match the configured one.`,
      };
    return storeDelivery(raw, {
      store: this.options.store,
      provider: { parseEvent: parseAuth0Log, describeUnreadable },
      what: 'an Auth0 event',
      nowMs: (this.options.clock ?? Date.now)(),
    });
  }

  /** Event Streams sign nothing: the configured header is the whole credential. */
  testHeaders(): Promise<Record<string, string>> {
    const { header, value } = this.options.credential;
    return Promise.resolve({ [header]: value });
  }
}
