import type { Context } from 'hono';
import { html } from 'hono/html';
import type { DeliveryRecord } from '../../engine/deliveries.js';
import type { Sync } from '../../sync.js';

/** What a button on the status page does: a dead letter or a failed delivery, retried or skipped. */
export type StatusAction =
  | { kind: 'dead-letter'; verb: 'retry' | 'skip'; source: string; id: string }
  | { kind: 'delivery'; verb: 'retry' | 'skip'; id: number };

const encoder = new TextEncoder();
const PURPOSE = encoder.encode('authsync status page actions');

const hmacKey = (password: string) =>
  crypto.subtle.importKey(
    'raw',
    encoder.encode(password),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign', 'verify'],
  );

/**
 * The token the page's forms carry (an HMAC of the password): a page on another site can make
 * the browser send the password along (HTTP Basic) but can never read this page, so it cannot
 * know the token.
 */
export async function actionToken(password: string): Promise<string> {
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', await hmacKey(password), PURPOSE));
  return Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Checked in constant time (`crypto.subtle.verify`). */
export async function tokenValid(password: string, token: unknown): Promise<boolean> {
  if (typeof token !== 'string' || !/^[0-9a-f]{64}$/.test(token)) return false;
  const mac = Uint8Array.from(token.match(/../g)!, (h) => parseInt(h, 16));
  return crypto.subtle.verify('HMAC', await hmacKey(password), mac, PURPOSE);
}

/**
 * A request a browser sent from this page, not from another site: `Sec-Fetch-Site` and
 * `Origin`, where the browser sends them, must say so (besides the token).
 */
export function fromThisSite(c: Context): boolean {
  const site = c.req.header('sec-fetch-site');
  if (site && site !== 'same-origin' && site !== 'none') return false;
  const origin = c.req.header('origin');
  return !origin || origin === new URL(c.req.url).origin;
}

/** The action a form asks for, or what is wrong with it. */
export function parseAction(form: Record<string, unknown>): StatusAction | string {
  const { kind, verb, id, source } = form;
  if (verb !== 'retry' && verb !== 'skip') return 'verb must be retry or skip';
  if (typeof id !== 'string' || id.length === 0 || id.length > 200) return 'id is missing';
  if (kind === 'dead-letter') {
    if (typeof source !== 'string' || source.length === 0) return 'source is missing';
    return { kind, verb, source, id };
  }
  if (kind === 'delivery') {
    if (!/^\d{1,15}$/.test(id)) return 'a delivery id is a number';
    return { kind, verb, id: Number(id) };
  }
  return 'kind must be dead-letter or delivery';
}

/** The retry and skip buttons of one dead letter or delivery. */
export function actionButtons(token: string, target: Record<string, string>) {
  const form = (verb: 'retry' | 'skip') =>
    html`<form method="post" action="/status/actions">
      <input type="hidden" name="token" value="${token}" />
      <input type="hidden" name="verb" value="${verb}" />
      ${Object.entries(target).map(
        ([name, value]) => html`<input type="hidden" name="${name}" value="${value}" />`,
      )}
      <button type="submit" data-action="${verb}">${verb}</button>
    </form>`;
  return html`<td class="actions">${form('retry')} ${form('skip')}</td>`;
}

/** Deliveries failed for good (each holds its lane), with their buttons. */
export function failedDeliveriesSection(failed: readonly DeliveryRecord[], token: string) {
  if (failed.length === 0) return '';
  return html`<section data-part="failed-deliveries">
    <h2>Failed deliveries</h2>
    <p>
      Each holds its organization's later deliveries to its destination until retried or skipped.
    </p>
    <table>
      <tr>
        <th>id</th>
        <th>destination</th>
        <th>event</th>
        <th>attempts</th>
        <th>error</th>
        <th></th>
      </tr>
      ${failed.map(
        (d) =>
          html`<tr data-delivery="${String(d.id)}">
            <td class="n">${d.id}</td>
            <td class="mono">${d.destination}</td>
            <td class="mono">${d.eventId} ${d.type}</td>
            <td class="n">${d.attempts}</td>
            <td>${d.lastError ?? ''}</td>
            ${actionButtons(token, { kind: 'delivery', id: String(d.id) })}
          </tr>`,
      )}
    </table>
  </section>`;
}

/** Failed deliveries listed on the page (the destinations' counts cover them all). */
const FAILED_SHOWN = 20;

/** The failed deliveries to show (the database's: every source shares them). */
export function failedDeliveries(syncs: readonly Sync[]): Promise<DeliveryRecord[]> {
  return syncs[0]!.store.deliveries().list({ status: 'failed', limit: FAILED_SHOWN });
}

/** Does what a button asks, as `authsync dead-letters` and `authsync deliveries` would. */
export async function performAction(syncs: readonly Sync[], action: StatusAction): Promise<void> {
  if (action.kind === 'dead-letter') {
    const sync = syncs.find((s) => s.sourceId === action.source);
    if (!sync) throw new Error(`No source ${action.source}.`);
    await (action.verb === 'retry'
      ? sync.retryDeadLetter(action.id)
      : sync.skipDeadLetter(action.id));
    return;
  }
  const deliveries = syncs[0]!.store.deliveries();
  const changed =
    action.verb === 'retry'
      ? await deliveries.retry([action.id], Date.now())
      : await deliveries.skip(action.id, Date.now());
  if (changed === 0) throw new Error(`Delivery ${action.id} is not failed or pending.`);
  for (const sync of syncs) sync.dispatcher?.wake();
}
