/**
 * The listener's binding of the admin-extension port to its own configuration type. Every
 * other port lives in src/contracts; this file only exists because ServeConfig is the
 * listener's, and contracts sit below the listener.
 */
import type {
  AdminContext as AdminContextOf,
  AdminExtension as AdminExtensionOf,
} from '../contracts/admin-extension.js';
import type { ServeConfig } from './config.js';

/** What an admin extension gets when it is registered into this listener's admin port. */
export type AdminContext = AdminContextOf<ServeConfig>;

/** Adds routes to the admin Fastify instance (admin API, console) before it listens. */
export type AdminExtension = AdminExtensionOf<ServeConfig>;
