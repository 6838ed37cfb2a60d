import { destinationSettings, forwardSettings, forwardTarget, type Environment } from './config.js';
import {
  destinationsFor,
  handlerDestination,
  routerFor,
  type Destination,
  type DestinationConfig,
  type ForwardTarget,
  type HandlerOptions,
} from './delivery/destination.js';
import { destinationStatus, type DestinationStatus } from './delivery/destination-status.js';
import { Dispatcher, type DispatcherOptions } from './delivery/dispatcher.js';
import type { HttpPost, MakeSigner } from './delivery/send.js';
import type { DeliveryRoute, EffectHandler } from './engine/deliveries.js';
import type { Checkpoint, Logger } from './engine/ports.js';
import { commitBatch, type InboxEvent, type SyncStore } from './engine/store.js';

/**
 * A source's deliveries: its destinations (from options, else `AUTHSYNC_DESTINATIONS`, and
 * `AUTHSYNC_FORWARD_URL`'s as `default`), the router the engine asks which of them an applied
 * event goes to, and the dispatcher that sends them (none without destinations, or for work on
 * the database alone).
 */
export class SyncDeliveries {
  private readonly destinations: Destination[];
  private router: (event: InboxEvent) => DeliveryRoute[];
  private sender: Dispatcher | null = null;
  /** Which destinations an applied event goes to (handlers registered later included). */
  readonly routes = (event: InboxEvent): DeliveryRoute[] => this.router(event);

  constructor(
    options: {
      destinations?: DestinationConfig[];
      forward?: ForwardTarget;
      offline?: boolean;
      readOnly?: boolean;
      onDeliveryAttempt?: DispatcherOptions['onAttempt'];
      checkpoint?: (name: Checkpoint) => void;
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
    this.working = !options.offline && !options.readOnly;
    // Read-only work (doctor) still knows the destinations, to check them; it sends nothing.
    this.destinations = !options.offline
      ? destinationsFor(
          options.destinations ?? destinationSettings(deps.env),
          forwardTarget(options.forward ?? forwardSettings(deps.env)),
          deps.providerFilter,
        )
      : [];
    this.router = routerFor(this.destinations, deps.store.source.id);
    this.onAttempt = options.onDeliveryAttempt;
    this.checkpoint = options.checkpoint;
  }

  private readonly checkpoint: ((name: Checkpoint) => void) | undefined;

  private readonly working: boolean;
  private readonly onAttempt: DispatcherOptions['onAttempt'];

  /** Sends deliveries to the destinations (none without destinations, or for work on the database alone). */
  get dispatcher(): Dispatcher | null {
    if (!this.sender && this.working && this.destinations.length > 0)
      this.sender = new Dispatcher({
        store: this.deps.store.deliveries(),
        destinations: this.destinations,
        log: this.deps.log,
        clock: this.deps.clock,
        onAttempt: this.onAttempt,
        post: this.deps.post,
        signer: this.deps.signer,
        afterHandler: () => this.checkpoint?.('handler-ran'),
      });
    return this.sender;
  }

  /** The destinations that POST (for `authsync doctor`). */
  endpoints(): { name: string; url: string; timeoutMs: number }[] {
    return this.destinations
      .filter((d) => !d.handler)
      .map((d) => ({ name: d.name, url: d.url, timeoutMs: d.timeoutMs }));
  }

  /**
   * Delivers until `signal` aborts; with no destination yet, from when the first handler is
   * registered (`Sync.on` after `run` began).
   */
  async run(signal: AbortSignal): Promise<void> {
    if (!this.dispatcher)
      await new Promise<void>((resolve) => {
        this.firstDestination = resolve;
        signal.addEventListener('abort', () => resolve(), { once: true });
      });
    this.firstDestination = null;
    if (!signal.aborted) await this.dispatcher?.run(signal);
  }

  private firstDestination: (() => void) | null = null;

  /** A handler of `Sync.on`, as a destination of its own; returns its name. */
  addHandler(type: string, handler: EffectHandler, options?: HandlerOptions): string {
    const taken = new Set(this.destinations.map((d) => d.name));
    const destination = handlerDestination(type, handler, options, taken);
    if (!this.working) return destination.name;
    this.destinations.push(destination);
    this.router = routerFor(this.destinations, this.deps.store.source.id);
    this.sender?.add(destination);
    this.firstDestination?.();
    return destination.name;
  }

  /** Each destination's backlog and health: the configured ones, then any other the database knows. */
  status(): Promise<DestinationStatus[]> {
    return destinationStatus(
      this.deps.store.deliveries(),
      this.destinations.map((d) => d.name),
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
