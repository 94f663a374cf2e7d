/** The platforms `portcullis edge build` writes bundles for. */
export const EDGE_TARGETS = ['cloudflare', 'lambda-edge'] as const;

/** One of {@link EDGE_TARGETS}. */
export type EdgeTarget = (typeof EDGE_TARGETS)[number];
