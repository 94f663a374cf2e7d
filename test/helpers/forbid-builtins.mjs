/**
 * A module hook (`node --import`) that refuses every Node.js built-in, with or without the `node:`
 * prefix. Loading a module under it proves that nothing the module reaches imports a built-in —
 * the promise `portcullis/token` makes to edge runtimes, which have none of them.
 */
import { isBuiltin, registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, nextResolve) {
    if (specifier.startsWith('node:') || isBuiltin(specifier)) {
      throw new Error(`forbidden built-in import: ${specifier} (from ${context.parentURL ?? '?'})`);
    }
    return nextResolve(specifier, context);
  },
});
