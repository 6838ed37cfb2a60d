import type { Cursor } from './store.js';

/** Reads pages of raw events from the provider, ascending, after the cursor. */
export interface EventSource {
  /**
   * Events after `cursor.after` (an event id this source gave), or from `cursor.rangeStart` (a
   * time) when there is none; up to `cursor.rangeEnd` where the source reads time ranges.
   */
  readPage(cursor: Cursor, limit: number, signal?: AbortSignal): Promise<unknown[]>;
  /**
   * A capability: the source reads bounded time ranges (`rangeStart` with `rangeEnd`, then
   * `after` with `rangeEnd`), so a long backlog is read as parallel time slices. Without it,
   * one cursor reads everything in turn.
   */
  readonly timeRanges?: boolean;
}

/** One object of the provider's current state, as a list endpoint returns it. */
export interface SnapshotItem {
  kind: string;
  object: Record<string, unknown>;
  /** For objects whose list does not say it (organization roles). */
  organizationId?: string;
}

/** A page of the provider's current state. */
export interface SnapshotPage {
  items: SnapshotItem[];
  /**
   * Set once everything before this point has been yielded: a snapshot started again from here
   * (opaque, kept between runs) continues after it. An import cut short resumes there.
   */
  resumeFrom?: string;
}

/** The provider's current state, page by page, for the first import and reconciliation. */
export interface SnapshotSource {
  snapshot(signal?: AbortSignal, resumeFrom?: string): AsyncIterable<SnapshotPage>;
}

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/**
 * Named step boundaries. Tests set a hook that kills the process at one of them, to prove
 * that a crash anywhere leaves a database the next run converges from.
 */
export type Checkpoint =
  'page-fetched' | 'before-commit' | 'after-commit' | 'import-page-committed' | 'effect-ran';
