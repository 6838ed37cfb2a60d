import type pg from 'pg';
import type { ReaderLease } from '../../engine/store.js';

/**
 * The reader role among processes sharing one PostgreSQL schema: a session advisory lock held
 * on a connection of its own. If the process dies, its connection closes and the lock is free:
 * another process takes it the next time it asks (standbys ask every second or so). The same
 * connection LISTENs for doorbells, so a webhook received by any process wakes the reader.
 *
 * A process that stops without dying (SIGSTOP, a paused VM, its host cut off from the network)
 * would keep the connection, and the role, open on the server for as long as it stays stopped,
 * or until TCP keepalive gives up (hours): nobody would read. So the connection asks the server
 * to end it once idle for `timeoutMs` (PostgreSQL 14+: `idle_session_timeout`), and a live
 * process queries on it every third of that: a stopped one loses the role after `timeoutMs`.
 */
export class PgReaderLease implements ReaderLease {
  private client: pg.Client | null = null;
  private connecting: Promise<pg.Client> | null = null;
  private held = false;
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private readonly listeners: (() => void)[] = [];

  constructor(
    private readonly connect: () => pg.Client,
    private readonly pool: pg.Pool,
    /** The lock key and channel, derived from the schema and the source. */
    private readonly name: string,
    /** A process that stops answering loses the role after this long (ms). */
    private readonly timeoutMs: number,
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
      // Older servers do not know the setting: there the role is lost only with the connection.
      await client
        .query(`SET idle_session_timeout = ${Math.max(1, Math.round(this.timeoutMs))}`)
        .catch(() => {});
      await client.query(`LISTEN ${this.channel}`);
      this.client = client;
      this.heartbeat = setInterval(
        // A failed query means the connection is gone: its 'error' or 'end' drops it.
        () => void client.query('SELECT 1').catch(() => {}),
        this.timeoutMs / 3,
      );
      this.heartbeat.unref();
      return client;
    })().finally(() => (this.connecting = null));
    return this.connecting;
  }

  private drop(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = null;
    this.held = false;
    this.stopHeartbeat();
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
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
    this.stopHeartbeat();
    await client?.end().catch(() => {});
  }
}
