import type pg from 'pg';
import type { ReaderLease } from '../../engine/store.js';

/**
 * The reader role among processes sharing one PostgreSQL schema: a session advisory lock held
 * on a connection of its own. If the process dies, its connection closes and the lock is free:
 * another process takes it the next time it asks (standbys ask every second or so). The same
 * connection LISTENs for doorbells, so a webhook received by any process wakes the reader.
 */
export class PgReaderLease implements ReaderLease {
  private client: pg.Client | null = null;
  private connecting: Promise<pg.Client> | null = null;
  private held = false;
  private readonly listeners: (() => void)[] = [];

  constructor(
    private readonly connect: () => pg.Client,
    private readonly pool: pg.Pool,
    /** The lock key and channel, derived from the schema and the source. */
    private readonly name: string,
  ) {}

  private get channel(): string {
    return `authsync_${this.name}`;
  }

  private async connection(): Promise<pg.Client> {
    if (this.client) return this.client;
    this.connecting ??= (async () => {
      const client = this.connect();
      // The lock lives and dies with this connection.
      client.on('error', () => this.drop(client));
      client.on('end', () => this.drop(client));
      client.on('notification', () => {
        for (const listener of this.listeners) listener();
      });
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
      this.client = client;
      return client;
    })().finally(() => (this.connecting = null));
    return this.connecting;
  }

  private drop(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = null;
    this.held = false;
  }

  async hold(): Promise<boolean> {
    const client = await this.connection();
    if (this.held) return true;
    const { rows } = await client.query<{ ok: boolean }>(
      'SELECT pg_try_advisory_lock(hashtext($1)) AS ok',
      [`authsync:reader:${this.name}`],
    );
    this.held = rows[0]?.ok === true;
    return this.held;
  }

  onDoorbell(listener: () => void): void {
    this.listeners.push(listener);
    // Listening starts with the connection; open it now so doorbells reach standbys too.
    void this.connection().catch(() => {});
  }

  async ring(): Promise<void> {
    await this.pool.query('SELECT pg_notify($1, $2)', [this.channel, '']);
  }

  async release(): Promise<void> {
    const client = this.client;
    this.client = null;
    this.held = false;
    await client?.end().catch(() => {});
  }
}
