import type { Context } from 'hono';
import type { ListOrder, PageRequest } from '../state/collection.js';
import { ApiError } from '../state/world.js';

/**
 * Query-string reading for the WorkOS list endpoints: `limit` 1..100 (default 10), `order`
 * asc|desc|normal (default desc, as the spec says), `after`/`before` cursors. Bad values are
 * a 422 naming the field, as WorkOS answers parameter validation.
 */
export function pageRequest(c: Context): PageRequest {
  const limitText = c.req.query('limit');
  let limit = 10;
  if (limitText !== undefined) {
    if (!/^\d+$/.test(limitText)) throw ApiError.invalid('limit', 'invalid_type');
    limit = Number(limitText);
    if (limit < 1 || limit > 100) throw ApiError.invalid('limit', 'out_of_range');
  }
  const orderText = c.req.query('order') ?? 'desc';
  if (!['asc', 'desc', 'normal'].includes(orderText))
    throw ApiError.invalid('order', 'invalid_enum_value');
  const after = nonEmpty(c, 'after');
  const before = nonEmpty(c, 'before');
  if (after !== undefined && before !== undefined)
    throw ApiError.invalid('before', 'mutually_exclusive');
  return { limit, order: orderText as ListOrder, after, before };
}

function nonEmpty(c: Context, name: string): string | undefined {
  const value = c.req.query(name);
  return value === undefined || value === '' ? undefined : value;
}

/**
 * A multi-valued filter, in any of the three spellings clients send: `name=a,b` (the official
 * Node SDK), repeated `name=a&name=b`, and `name[]=a&name[]=b`.
 */
export function multiValue(c: Context, name: string): string[] | undefined {
  const values = [...(c.req.queries(name) ?? []), ...(c.req.queries(`${name}[]`) ?? [])];
  if (values.length === 0) return undefined;
  return values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

/** An ISO-8601 instant; the docs' samples also show `2023-04-28 20:05:31.093`, so a space is allowed. */
export function isoParam(c: Context, name: string): number | undefined {
  const value = c.req.query(name);
  if (value === undefined || value === '') return undefined;
  const ms = Date.parse(
    value.includes(' ') && !value.includes('T') ? value.replace(' ', 'T') : value,
  );
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(ms))
    throw ApiError.invalid(name, 'invalid_date');
  return ms;
}

export function listBody<T>(page: { data: T[]; before: string | null; after: string | null }) {
  return {
    object: 'list' as const,
    data: page.data,
    list_metadata: { before: page.before, after: page.after },
  };
}
