/**
 * What the tables hold of a provider's strings. Providers (for example WorkOS and Auth0) accept
 * any string JSON can carry, including U+0000 and UTF-16 surrogates without their pair; PostgreSQL's `text` and
 * `jsonb` refuse both (`invalid byte sequence for encoding "UTF8": 0x00`, `unsupported Unicode
 * escape sequence`), and UTF-8 itself cannot encode a lone surrogate. So:
 * - JSON columns (`raw`, `metadata`, ...) hold, on every store, the value with each NUL and each
 *   lone surrogate replaced by U+FFFD, in strings and in keys: one character for one, nothing
 *   else touched, the same JSON on SQLite, PostgreSQL and D1.
 * - Text columns hold the string as given where the database can (SQLite and D1 keep NUL; a
 *   lone surrogate becomes U+FFFD there too, as any UTF-8 encoder does); on PostgreSQL NUL and
 *   lone surrogates become U+FFFD (`storableText`, applied to every value it is sent).
 */
export const REPLACEMENT = '\uFFFD';

/** The string with NUL and lone surrogates replaced by U+FFFD (itself when it has none: the common case). */
export function storableText(s: string): string {
  if (s.indexOf('\0') < 0 && s.isWellFormed()) return s;
  return s.toWellFormed().replaceAll('\0', REPLACEMENT);
}

/**
 * JSON text for a JSON column: `JSON.stringify` with `storableText` applied to every string and
 * key. JSON.stringify writes `\u` only for control characters and lone surrogates, so text
 * without it is returned as it is.
 */
export function storableJson(value: unknown): string {
  const text = JSON.stringify(value);
  if (!text.includes('\\u')) return text;
  return JSON.stringify(clean(value));
}

function clean(value: unknown): unknown {
  if (typeof value === 'string') return storableText(value);
  if (Array.isArray(value)) return value.map(clean);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[storableText(k)] = clean(v);
  return out;
}

/** SQLite and D1 keep NUL; UTF-8 cannot hold a lone surrogate (their drivers wrote bytes that read back as three U+FFFD). */
export function wellFormedText(s: string): string {
  return s.isWellFormed() ? s : s.toWellFormed();
}

/**
 * Statement values with lone surrogates replaced in each string (SQLite, D1): the same array
 * when there are none, the common case (one native check per string, no call through `text`).
 */
export function wellFormedValues(values: readonly unknown[]): readonly unknown[] {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === 'string' && !v.isWellFormed()) return storableValues(values, wellFormedText);
  }
  return values;
}

/**
 * Statement values with `text` applied to each string, and to the strings of array values
 * (PostgreSQL's merged statements bind columns as arrays). The same array when nothing changes.
 */
export function storableValues(
  values: readonly unknown[],
  text: (s: string) => string,
): readonly unknown[] {
  let out: unknown[] | null = null;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    let stored = v;
    if (typeof v === 'string') stored = text(v);
    else if (Array.isArray(v) && v.some((x) => typeof x === 'string' && text(x) !== x))
      stored = v.map((x: unknown) => (typeof x === 'string' ? text(x) : x));
    if (stored !== v) (out ??= values.slice())[i] = stored;
  }
  return out ?? values;
}
