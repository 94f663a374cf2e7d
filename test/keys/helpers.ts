/** Assertion helpers shared by the key tests. */
import { KeyError } from '../../src/keys/index.js';

/** Runs `fn` and returns the KeyError it throws (fails the test if it throws nothing or another error). */
export function keyErrorOf(fn: () => unknown): KeyError {
  try {
    fn();
  } catch (err) {
    if (err instanceof KeyError) return err;
    throw err;
  }
  throw new Error('expected a KeyError, but nothing was thrown');
}

/** Awaits `promise` and returns the KeyError it rejects with. */
export async function keyErrorOfAsync(promise: Promise<unknown>): Promise<KeyError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof KeyError) return err;
    throw err;
  }
  throw new Error('expected a KeyError, but the promise resolved');
}
