/** The port verification keys come through: key files, the store, or anything that can list them. */
import type { VerificationKey } from './verification-key.js';

/** Where verification keys come from: key files, the store, or anything else that can list them. */
export interface KeySource {
  /** Current keys. Rejects (with a coded error) when the source is broken; the server keeps its old ring. */
  load(): Promise<VerificationKey[]>;
  /** Calls `onChange` when keys may have changed; returns a function that stops watching. */
  watch?(onChange: () => void): () => void;
  /**
   * True while the source cannot reach what backs it (a database away) and the server keeps
   * verifying with the last keys it loaded — fail static. Readiness and metrics report it.
   */
  degraded?(): boolean;
  /** Short human description for logs, e.g. `2 key files` — never key material or absolute paths. */
  describe(): string;
}
