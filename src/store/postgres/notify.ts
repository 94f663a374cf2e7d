/**
 * Change notifications between nodes: a write that other nodes must see at once (the
 * configurations, today) sends `NOTIFY portcullis_changes` in its transaction, delivered when it
 * commits. Each store keeps one dedicated LISTEN connection, opened when the first listener
 * subscribes; when it drops, it reconnects with backoff and tells listeners to resync, since
 * notifications sent meanwhile are lost. Pollers keep running beside it as the periodic full
 * resync, so a lost notification costs at most one poll interval.
 */
import pg from 'pg';
import type { PgPoolConfig } from './conn.js';

/** The channel every Portcullis node listens on (per database). */
export const CHANGES_CHANNEL = 'portcullis_changes';

/** One LISTEN connection shared by a store's subscribers. */
export class ChangeListener {
  private readonly listeners = new Set<(topic: string) => void>();
  private client: pg.Client | null = null;
  private closed = false;
  private retryMs = 250;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly config: PgPoolConfig) {}

  /** Calls `fn(topic)` on every notification ('resync' after a reconnect); returns an unsubscribe. */
  subscribe(fn: (topic: string) => void): () => void {
    this.listeners.add(fn);
    if (!this.client && !this.timer) void this.connect();
    return () => {
      this.listeners.delete(fn);
    };
  }

  private emit(topic: string): void {
    for (const fn of this.listeners) {
      try {
        fn(topic);
      } catch {
        // a listener's failure is its own; the others still hear
      }
    }
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client(this.config);
    client.on('error', () => this.dropped(client));
    client.on('end', () => this.dropped(client));
    client.on('notification', (n) => {
      if (n.channel === CHANGES_CHANNEL) this.emit(n.payload ?? '');
    });
    this.client = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGES_CHANNEL}`);
      if (this.retryMs > 250) this.emit('resync'); // we were away: anything may have changed
      this.retryMs = 250;
    } catch {
      this.dropped(client);
    }
  }

  private dropped(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = null;
    client.end().catch(() => {});
    if (this.closed || this.listeners.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.connect();
    }, this.retryMs);
    this.timer.unref();
    this.retryMs = Math.min(this.retryMs * 2, 5000);
  }

  /** Stops listening for good. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => {});
  }
}
