import type { RowChange } from './changes.js';
import type { EngineEvent } from './event.js';
import type { SnapshotItem } from './ports.js';
import type { TableSet } from './tables.js';

/**
 * What the engine asks of an identity provider (for example WorkOS, Auth0). Everything here is pure:
 * no credentials, no I/O. The parts that talk to the provider (an `EventSource`, and where the
 * provider has them a `SnapshotSource` and a webhook receiver) are made from configuration by
 * the wiring, since each needs its own settings.
 *
 * A second provider writes a folder of the same role files as, for example, `src/providers/workos/`:
 * envelope (parse, lanes), tables, projections, events reader, state importer, webhook.
 */
export interface Provider {
  /** Short, lowercase, stable: the default source id, and the prefix of its tables. */
  name: string;
  /** The tables its projections write (every store holds every provider's tables). */
  tables: TableSet;
  /**
   * Whether its event ids, compared as text, ascend in stream order (a documented property, as
   * for example for WorkOS's ULIDs): then an event's id is its stream position, and ties of time are
   * ordered as the provider ordered them even for events delivered out of order (webhooks,
   * late visibility). Otherwise the engine numbers events as the stream shows them.
   */
  orderedIds: boolean;
  /**
   * Days the provider keeps its events (the shortest its plans keep): a cursor that has not
   * reached the head for longer has lost events for good (`AUTHSYNC_RETENTION_DAYS` overrides).
   */
  retentionDays: number;
  /**
   * Its envelope as an engine event. Throws `InvalidEventError` naming what is wrong with it
   * (the engine then parks it as a dead letter under `describeUnreadable`).
   */
  parseEvent(raw: unknown): EngineEvent;
  /**
   * What can be told of an envelope `parseEvent` refused, so it can be parked visibly: its id
   * (one derived from its content when it has none, the same for every copy), type and lane.
   */
  describeUnreadable(raw: unknown): { id: string; type: string; lane: string };
  /** An envelope's time in ms, or NaN when it cannot be read (never a throw). */
  occurredAtMs(raw: unknown): number;
  /** An event's row changes; throws for a payload it cannot apply (a poison event). */
  project(event: EngineEvent): RowChange[];
  /** An object of the provider's current state (first import, reconciliation) as row changes. */
  snapshotChanges(item: SnapshotItem): RowChange[];
  /** The provider refused the credentials: nothing will work until the configuration changes. */
  isCredentialsError(error: unknown): boolean;
}
