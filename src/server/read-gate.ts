/**
 * A bound on the large-file reads waiting for libuv's thread pool. Every file read, and every
 * open/stat/realpath a new download needs before its first byte, queue for the same few threads
 * (4 by default) in arrival order. Thousands of slow downloads each keeping a read queued put a new
 * download's open behind all of them: bench:serve (d) saw first bytes after seconds, and half of
 * 1,000 downloads got none within the run. Reads wait here instead, in a FIFO of their own, and at
 * most {@link READS_IN_FLIGHT} are handed to the pool at a time, so a new download's metadata
 * always finds a thread soon; downloads still take turns fairly (a refill rejoins the back).
 */

/** Reads of large files handed to the thread pool at once (its default size is 4). */
export const READS_IN_FLIGHT = 2;

/** Runs read operations with at most `limit` in flight, the rest first in, first out. */
export class ReadGate {
  readonly #limit: number;
  readonly #waiting: Array<() => void> = [];
  #running = 0;

  constructor(limit = READS_IN_FLIGHT) {
    this.#limit = limit;
  }

  /** Reads running now (for tests). */
  get running(): number {
    return this.#running;
  }

  /** Reads waiting for a turn (for tests). */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Runs `read` when a slot is free; its promise settles with the read's. */
  run<T>(read: () => Promise<T>): Promise<T> {
    if (this.#running < this.#limit) return this.#start(read);
    return new Promise<T>((resolve, reject) => {
      this.#waiting.push(() => {
        this.#start(read).then(resolve, reject);
      });
    });
  }

  #start<T>(read: () => Promise<T>): Promise<T> {
    this.#running++;
    let started: Promise<T>;
    try {
      started = read();
    } catch (err) {
      started = Promise.reject(err);
    }
    return started.finally(() => {
      this.#running--;
      this.#waiting.shift()?.();
    });
  }
}
