/**
 * An event as the engine handles it, whatever provider it came from (a provider's `parseEvent`
 * makes it from its envelope).
 */
export interface EngineEvent {
  /** The provider's id: an opaque, non-empty string. The inbox is unique by it; nothing reads its shape. */
  id: string;
  type: string;
  /** When it happened: ISO-8601 UTC with milliseconds (see `normalizeTimestamp`), so times compare as text. */
  occurredAt: string;
  /** The ordered lane it is applied in: its organization, else the object it is about. */
  lane: string;
  /** The payload the projections read. */
  data: Record<string, unknown>;
  /** The envelope as the provider normalized it: what the inbox keeps and handlers receive. */
  raw: object;
}

/** An envelope or payload that cannot be read; its message says what is wrong with it. */
export class InvalidEventError extends Error {}

/**
 * ISO-8601 with milliseconds in UTC, so timestamps compare as strings. Tolerant of the
 * `2023-04-28 20:05:31.093` spelling (a space, no zone: taken as UTC) some providers document.
 */
const NORMALIZED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function normalizeTimestamp(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '')
    throw new InvalidEventError(`${field} is missing or not a string`);
  // The common case: already in the normal form (and a real date).
  if (NORMALIZED.test(value) && !Number.isNaN(Date.parse(value))) return value;
  let text = value.trim();
  if (/^\d{4}-\d{2}-\d{2} \d/.test(text)) text = text.replace(' ', 'T');
  if (/T[\d:.]+$/.test(text)) text += 'Z';
  const ms = Date.parse(text);
  if (Number.isNaN(ms))
    throw new InvalidEventError(`${field} is not a timestamp: ${JSON.stringify(value)}`);
  return new Date(ms).toISOString();
}

/** 64 bits (two FNV-1a hashes with different offset bases) of the JSON text: a stable name. */
export function contentHash(input: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(input) ?? String(input);
  } catch {
    text = String(input);
  }
  const hex = (h: number) => h.toString(16).padStart(8, '0');
  return hex(fnv1a(text)) + hex(fnv1a(text, 0x01000193));
}

/** FNV-1a, 32 bits, of a string's UTF-16 code units: the same in every process. */
export function fnv1a(text: string, basis = 0x811c9dc5): number {
  let h = basis;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
