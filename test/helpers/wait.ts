// Polling for conditions that settle asynchronously (audit events after 'close', file watching,
// sockets closing): resolves as soon as `check` holds, fails after `ms` with what was awaited.

/** Resolves once `check()` is true; throws `condition not met in time: <what>` after `ms`. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  ms = 5000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} not met in time`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
