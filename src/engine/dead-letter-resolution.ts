import type { RowChange } from './changes.js';
import { projectSafely } from './inbox-event.js';
import type { Provider } from './provider.js';
import { commitBatch, type CommitBatch, type InboxEvent, type SyncStore } from './store.js';

export interface DeadLetterResolution {
  /** Events applied: the retried one (unless skipped) and those that waited behind it. */
  applied: number;
  /** A later event of the lane failed in turn and blocks it now. */
  stillBlocked: boolean;
}

/**
 * Retries (or skips) a dead-lettered event, then applies the events waiting behind it in its
 * lane, in order, until one fails. All in one transaction.
 */
export async function resolveDeadLetter(
  deps: {
    store: SyncStore;
    provider: Provider;
    queueDeliveries: (batch: CommitBatch, inbox: InboxEvent) => void;
  },
  eventId: string,
  action: 'retry' | 'skip',
): Promise<DeadLetterResolution> {
  const { store } = deps;
  const letter = (await store.deadLetters()).find((d) => d.eventId === eventId);
  if (!letter)
    throw new Error(`No dead letter for event ${eventId} (see \`authsync dead-letters list\`).`);
  const stored = await store.inboxEvent(eventId);
  if (!stored) throw new Error(`Event ${eventId} is not in the inbox.`);
  const queue: (InboxEvent & { first?: boolean })[] = [
    { ...stored, first: true },
    ...(await store.pendingEvents(letter.lane)),
  ];
  const batch = commitBatch({ resolvedDeadLetters: [eventId] });
  let applied = 0;
  let stillBlocked = false;
  for (const item of queue) {
    if (item.first && action === 'skip') {
      batch.statusChanges.push({ eventId: item.id, status: 'skipped' });
      continue;
    }
    let outcome: { changes: RowChange[] } | { error: string };
    try {
      outcome = projectSafely(deps.provider, deps.provider.parseEvent(JSON.parse(item.json)));
    } catch (error) {
      outcome = { error: (error as Error).message };
    }
    if ('error' in outcome) {
      if (item.first) {
        throw new Error(
          `Event ${eventId} still fails: ${outcome.error}. Fix the cause, or skip it with \`authsync dead-letters skip ${eventId}\`.`,
        );
      }
      batch.statusChanges.push({ eventId: item.id, status: 'dead' });
      batch.deadLetters.push({ eventId: item.id, lane: letter.lane, error: outcome.error });
      stillBlocked = true;
      break;
    }
    batch.statusChanges.push({ eventId: item.id, status: 'applied' });
    batch.changes.push(...outcome.changes);
    deps.queueDeliveries(batch, item);
    applied++;
  }
  await store.commit(batch);
  return { applied, stillBlocked };
}
