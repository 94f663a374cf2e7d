/**
 * A bound on a wait that cannot be cancelled at its source (a store query with no client-side
 * deadline, a credential lookup): the caller stops waiting, the work finishes or fails on its
 * own and its answer is dropped. One helper for every layer, so each bound clears its timer the
 * same way (a timer left behind would hold a process that should exit).
 */

/**
 * `work`, or a rejection with `late()` once `ms` have passed without an answer.
 * @example await withinDeadline(store.configurations.generation(), 5000, () => new StoreError('STORE_UNAVAILABLE'))
 */
export function withinDeadline<T>(work: Promise<T>, ms: number, late: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(late()), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
