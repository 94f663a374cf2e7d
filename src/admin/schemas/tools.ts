/**
 * Schemas of the console tools: the token inspector and the distribution-point probe.
 */
import { z } from 'zod';

/** Longest token or URL the inspector accepts (the verifier's own cap is far below). */
const MAX_INPUT = 16 * 1024;

/** POST /api/v1/tools/inspect */
export const InspectBody = z
  .strictObject({
    token: z.string().min(1).max(MAX_INPUT).optional(),
    url: z.string().min(1).max(MAX_INPUT).optional(),
    configurationId: z.string().min(1).max(100).optional(),
  })
  .refine((b) => (b.token === undefined) !== (b.url === undefined), {
    message: 'or a URL is required: give exactly one of the two',
    path: ['token'],
  });

/** POST /api/v1/tools/probe */
export const ProbeBody = z.strictObject({
  url: z.url({ protocol: /^https?$/ }).max(4096),
  configurationId: z.string().min(1).max(100),
});
