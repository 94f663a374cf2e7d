/**
 * Where resume-grace first use is shared between nodes (a PostgreSQL store): a node records the
 * tokens it accepted, and a node asked to resume an expired token it never saw looks there. Only
 * the token's fingerprint is stored, never the token.
 */

/** One accepted token's first use (times in epoch seconds). */
export interface GraceRecord {
  /** The token's fingerprint (a digest, never the token). */
  fingerprint: string;
  /** Decoded request path the token was accepted for. */
  path: string;
  /** Token exp. */
  exp: number;
  /** After this the record is of no use (exp + the grace period) and may be deleted. */
  keepUntil: number;
  keyLabel?: string;
  kid?: string;
  configurationId?: string;
}

/** Shared first-use records, bounded by `keepUntil`. */
export interface GraceStore {
  /** Records first uses; a record already there is kept (first use wins). */
  record(records: readonly GraceRecord[]): Promise<void>;
  /** The record for this token and path, if one is still kept at `nowSec`. */
  find(fingerprint: string, path: string, nowSec: number): Promise<GraceRecord | undefined>;
  /** Deletes records whose `keepUntil` is before `nowSec`; returns how many. */
  purge(nowSec: number): Promise<number>;
}
