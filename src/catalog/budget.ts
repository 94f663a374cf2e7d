/**
 * One budget per file a reader looks at. Every reader (zip, xar, XML, binary and XML plists,
 * PDF scan) charges the bytes it produces and the steps it takes to the same budget, so a
 * hostile file cannot multiply its cost by hiding in a format whose own caps look generous:
 * the total work for one file is bounded, not each reader's share of it. Exceeding any limit
 * throws METADATA_BUDGET_EXCEEDED.
 */
import { CatalogError } from './errors.js';

/** Limits of one {@link Budget}. */
export interface BudgetLimits {
  /** Decoded output bytes across every reader (inflated entries, decoded strings, text). */
  maxOutputBytes?: number;
  /** Small units of work: objects decoded, references followed, markup tokens, scan matches. */
  maxSteps?: number;
}

/** Default output budget: four 4 MiB metadata entries, a 16 MiB TOC and their decoded text. */
export const DEFAULT_MAX_OUTPUT_BYTES = 64 * 1024 * 1024;
/** Default step budget: a few hundred milliseconds of work for the slowest reader. */
export const DEFAULT_MAX_STEPS = 4_000_000;

/** Counts what one file costs to read and refuses once it costs too much. */
export class Budget {
  readonly maxOutputBytes: number;
  readonly maxSteps: number;
  outputBytes = 0;
  steps = 0;

  constructor(limits: BudgetLimits = {}) {
    this.maxOutputBytes = limits.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    this.maxSteps = limits.maxSteps ?? DEFAULT_MAX_STEPS;
  }

  /** Charges `n` decoded bytes. @throws CatalogError METADATA_BUDGET_EXCEEDED */
  output(n: number): void {
    this.outputBytes += n;
    if (this.outputBytes > this.maxOutputBytes) {
      throw new CatalogError(
        'METADATA_BUDGET_EXCEEDED',
        `Reading the file would decode more than ${this.maxOutputBytes} bytes.`,
      );
    }
  }

  /** Charges `n` steps (default 1). @throws CatalogError METADATA_BUDGET_EXCEEDED */
  step(n = 1): void {
    this.steps += n;
    if (this.steps > this.maxSteps) {
      throw new CatalogError(
        'METADATA_BUDGET_EXCEEDED',
        `Reading the file would take more than ${this.maxSteps} steps.`,
      );
    }
  }
}
