import { destinationSettings, forwardSettings, forwardTarget, type Environment } from './config.js';
import {
  destinationsFor,
  routerFor,
  type DestinationConfig,
  type ForwardTarget,
} from './delivery/destination.js';
import { destinationStatus, type DestinationStatus } from './delivery/destination-status.js';
import { Dispatcher, type DispatcherOptions } from './delivery/dispatcher.js';
import type { HttpPost, MakeSigner } from './delivery/send.js';
import type { DeliveryRoute } from './engine/deliveries.js';
import type { Logger } from './engine/ports.js';
import { commitBatch, type InboxEvent, type SyncStore } from './engine/store.js';

/**
 * A source's deliveries: its destinations (from options, else `AUTHSYNC_DESTINATIONS`, and
 * `AUTHSYNC_FORWARD_URL`'s as `default`), the router the engine asks which of them an applied
 * event goes to, and the dispatcher that sends them (none without destinations, or for work on
 * the database alone).
 */
export class SyncDeliveries {
  readonly routes: (event: InboxEvent) => DeliveryRoute[];
  readonly dispatcher: Dispatcher | null;

  constructor(
    options: {
      destinations?: DestinationConfig[];
      forward?: ForwardTarget;
      offline?: boolean;
      readOnly?: boolean;
      onDeliveryAttempt?: DispatcherOptions['onAttempt'];
    },
    private readonly deps: {
      env: Environment;
      store: SyncStore;
      log: Logger;
      clock: () => number;
      /** The provider's own filter for `default` (Auth0's API paths and methods). */
      providerFilter?: (event: unknown) => boolean;
      post?: HttpPost;
      signer?: MakeSigner;
    },
  ) {
    // Work on the database alone (status, migrate) delivers nothing: nothing to check there.
    const destinations =
      options.offline || options.readOnly
        ? []
        : destinationsFor(
            options.destinations ?? destinationSettings(deps.env),
            forwardTarget(options.forward ?? forwardSettings(deps.env)),
            deps.providerFilter,
          );
    this.routes = routerFor(destinations, deps.store.source.id);
    this.dispatcher =
      destinations.length > 0
        ? new Dispatcher({
            store: deps.store.deliveries(),
            destinations,
            log: deps.log,
            clock: deps.clock,
            onAttempt: options.onDeliveryAttempt,
            post: deps.post,
            signer: deps.signer,
          })
        : null;
  }

  /** Each destination's backlog and health: the configured ones, then any other the database knows. */
  status(): Promise<DestinationStatus[]> {
    return destinationStatus(
      this.deps.store.deliveries(),
      this.dispatcher?.destinations.map((d) => d.name) ?? [],
      this.deps.clock(),
    );
  }

  /**
   * Outbox rows an older authsync left pending (forwarding was an effect then, run after the
   * commit): delivered now, by the destinations that want them. At least once, as before.
   */
  async adoptOutbox(): Promise<void> {
    if (!this.dispatcher) return;
    const { store, log } = this.deps;
    const batch = commitBatch();
    const sourceId = store.source.id;
    for (const row of await store.deliveries().pendingOutbox()) {
      if (row.source_id !== null && row.source_id !== sourceId) continue;
      const event = {
        id: row.event_id,
        type: row.type,
        lane: row.lane,
        createdAt: '',
        json: row.data,
      };
      for (const route of this.routes(event))
        batch.deliveries.push({
          ...route,
          eventId: row.event_id,
          type: row.type,
          lane: row.lane,
          sourceId,
        });
    }
    if (batch.deliveries.length === 0) return;
    await store.commit(batch);
    log.info('pending forwarded events from before the upgrade are now deliveries', {
      deliveries: batch.deliveries.length,
    });
  }
}
