import type { DeliveryStore } from '../engine/deliveries.js';

/** A destination as status, metrics and the status page show it. */
export interface DestinationStatus {
  name: string;
  /** Waiting to be sent (due, in flight, or retrying). */
  pending: number;
  /** Of those, the ones that failed at least once. */
  retrying: number;
  /** Failed for good (the schedule used up, or ended by the receiver); each holds its lane. */
  failed: number;
  /** Seconds since the oldest pending delivery was made (null: none pending). */
  oldestPendingSeconds: number | null;
  disabled: boolean;
  failingSince: string | null;
  lastError: string | null;
  lastSuccessAt: string | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * Destinations' backlogs and health: the configured ones in their order, then any other the
 * database knows (one configured by another process, or no longer configured, with deliveries).
 */
export async function destinationStatus(
  store: DeliveryStore,
  configured: readonly string[],
  now: number,
): Promise<DestinationStatus[]> {
  const [backlogs, states] = await Promise.all([store.backlog(), store.destinations()]);
  const names = [
    ...new Set([
      ...configured,
      ...states.map((s) => s.name),
      ...backlogs.map((b) => b.destination),
    ]),
  ];
  return names.map((name) => {
    const b = backlogs.find((x) => x.destination === name);
    const s = states.find((x) => x.name === name);
    return {
      name,
      pending: b?.pending ?? 0,
      retrying: b?.retrying ?? 0,
      failed: b?.failed ?? 0,
      oldestPendingSeconds:
        b?.oldestPendingAt == null ? null : Math.max(0, (now - b.oldestPendingAt) / 1000),
      disabled: (s?.disabledAt ?? null) !== null,
      failingSince: iso(s?.failingSince ?? null),
      lastError: s?.lastError ?? null,
      lastSuccessAt: iso(s?.lastSuccessAt ?? null),
    };
  });
}
