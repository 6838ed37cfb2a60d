import type { Compilable } from 'kysely';

/**
 * A statement compiled once for a dialect, with the order its values bind in. Building and
 * compiling with Kysely costs tens of microseconds; the hot path runs thousands of statements
 * per second, so each shape is compiled once and only its values change.
 */
export interface Plan {
  sql: string;
  /** For each placeholder: the index of the value it takes, or -1 for a constant. */
  slots: number[];
  constants: unknown[];
  /** Each placeholder takes the value of its own index: the values bind as they are. */
  inOrder: boolean;
}

const MARK = '\u0001authsync:';

/** The value at `index` of the list passed to `bind` (a marker while compiling). */
export const param = (index: number): string => `${MARK}${index}`;

export function compilePlan(statement: Compilable): Plan {
  const compiled = statement.compile();
  const slots: number[] = [];
  const constants: unknown[] = [];
  for (const p of compiled.parameters) {
    if (typeof p === 'string' && p.startsWith(MARK)) {
      slots.push(Number(p.slice(MARK.length)));
      constants.push(undefined);
    } else {
      slots.push(-1);
      constants.push(p);
    }
  }
  return { sql: compiled.sql, slots, constants, inOrder: slots.every((slot, i) => slot === i) };
}

/**
 * The statement's parameters for these values (the same array when they bind in order). `into`:
 * an array to fill instead of a new one, for a driver that binds before it returns.
 */
export function bind(plan: Plan, values: readonly unknown[], into?: unknown[]): readonly unknown[] {
  if (plan.inOrder && values.length === plan.slots.length) return values;
  const out = into ?? new Array<unknown>(plan.slots.length);
  for (let i = 0; i < plan.slots.length; i++) {
    const slot = plan.slots[i]!;
    out[i] = slot < 0 ? plan.constants[i] : values[slot];
  }
  return out;
}
