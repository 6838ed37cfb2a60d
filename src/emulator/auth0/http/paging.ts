import { Auth0Error, OFFSET_CAP } from '../errors.js';

type Query = (name: string) => string | undefined;

function int(q: Query, name: string, fallback: number, min: number, max: number): number {
  const raw = q(name);
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw Auth0Error.of(
      400,
      `Query validation error: '${name}' must be an integer from ${min} to ${max}.`,
      'invalid_query_string',
    );
  return n;
}

/** `page`, `per_page` and `include_totals`, with the 1,000-result cap of offset paging. */
export function offsetPage(q: Query): { page: number; perPage: number; totals: boolean } {
  const page = int(q, 'page', 0, 0, OFFSET_CAP);
  const perPage = int(q, 'per_page', 50, 0, 100);
  if (page * perPage + perPage > OFFSET_CAP)
    throw Auth0Error.of(
      400,
      `Requesting page exceeds the allowed maximum of ${OFFSET_CAP} records. To fetch results beyond ${OFFSET_CAP}, use the checkpoint pagination method.`,
      'invalid_paging',
    );
  return { page, perPage, totals: q('include_totals') === 'true' };
}

/** `from` (an opaque `next`) and `take`. */
export function checkpoint(q: Query): { after: number; take: number } | null {
  const from = q('from');
  const take = q('take');
  if (from === undefined && take === undefined) return null;
  let after = -1;
  if (from) {
    const decoded = Buffer.from(from, 'base64url').toString();
    const match = /^(\d+),(\d+)$/.exec(decoded);
    if (!match)
      throw Auth0Error.of(
        400,
        'Invalid checkpoint: the from parameter is not valid.',
        'invalid_query_string',
      );
    // Checkpoints are valid for 24 hours.
    if (Date.now() - Number(match[2]) > 86_400_000)
      throw Auth0Error.of(400, 'The checkpoint has expired.', 'invalid_query_string');
    after = Number(match[1]);
  }
  return { after, take: int(q, 'take', 50, 1, 100) };
}

/** The opaque `next` after an item at this position. */
export function nextToken(position: number): string {
  return Buffer.from(`${position},${Date.now()}`).toString('base64url');
}

/** Items (with their positions, ascending) after a checkpoint: a page and the `next` after it. */
export function checkpointPage<T>(
  items: { position: number; item: T }[],
  cp: { after: number; take: number },
): { page: T[]; next?: string } {
  const rest = items.filter((i) => i.position > cp.after);
  const page = rest.slice(0, cp.take);
  const last = page[page.length - 1];
  return {
    page: page.map((p) => p.item),
    ...(last ? { next: nextToken(last.position) } : {}),
  };
}
