import { InvalidEventError, normalizeTimestamp } from '../../../engine/event.js';
import { storableJson } from '../../../engine/storable-text.js';

export type Obj = Record<string, unknown>;

/** Reads a required string field; a missing one makes the event poison (dead-lettered). */
export function str(o: Obj, field: string): string {
  const v = o[field];
  if (typeof v !== 'string' || v === '')
    throw new InvalidEventError(`${field} is missing or not a string`);
  return v;
}

export function optStr(o: Obj, field: string): string | null {
  const v = o[field];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw new InvalidEventError(`${field} is not a string`);
  return v;
}

export function obj(o: Obj, field: string): Obj {
  const v = o[field];
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new InvalidEventError(`${field} is missing or not an object`);
  return v as Obj;
}

export function time(o: Obj, field: string): string {
  return normalizeTimestamp(o[field], field);
}

export function optTime(o: Obj, field: string): string | null {
  const v = o[field];
  return v === undefined || v === null ? null : normalizeTimestamp(v, field);
}

/** `raw`, `created_at`, `updated_at`: the columns every entity row ends with. */
export function tail(o: Obj): { raw: string; created_at: string; updated_at: string } {
  return {
    raw: storableJson(o),
    created_at: time(o, 'created_at'),
    updated_at: time(o, 'updated_at'),
  };
}
