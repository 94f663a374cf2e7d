/**
 * A fixed-capacity FIFO on a ring buffer: O(1) push that overwrites the oldest when full.
 * (Not a key ring: that is token/key-ring.ts.)
 */
export class RingBuffer<T> {
  private readonly buf: Array<T | undefined>;
  private head = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new TypeError('RingBuffer capacity must be a positive integer');
    }
    this.buf = new Array(capacity);
  }

  /** Items queued. */
  get size(): number {
    return this.count;
  }

  /** Appends; returns the oldest item when it was overwritten to make room, else undefined. */
  push(item: T): T | undefined {
    const tail = (this.head + this.count) % this.capacity;
    const evicted = this.count === this.capacity ? this.buf[tail] : undefined;
    this.buf[tail] = item;
    if (this.count < this.capacity) {
      this.count++;
      return undefined;
    }
    this.head = (this.head + 1) % this.capacity;
    return evicted;
  }

  /** Puts items back at the front in order, as far as room allows; returns how many did not fit. */
  unshiftAll(items: readonly T[]): number {
    let dropped = 0;
    for (let i = items.length - 1; i >= 0; i--) {
      if (this.count === this.capacity) {
        dropped += i + 1;
        break;
      }
      this.head = (this.head - 1 + this.capacity) % this.capacity;
      this.buf[this.head] = items[i];
      this.count++;
    }
    return dropped;
  }

  /** Removes and returns up to `n` of the oldest items. */
  take(n: number): T[] {
    const out: T[] = [];
    while (out.length < n && this.count > 0) {
      out.push(this.buf[this.head] as T);
      this.buf[this.head] = undefined;
      this.head = (this.head + 1) % this.capacity;
      this.count--;
    }
    return out;
  }
}
