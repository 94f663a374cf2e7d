/**
 * Schemas of declaration export (POST /api/v1/declarations): the declaration JSON an MDM sends
 * for one catalog item (`package`, `app.managed`, `asset.data`). A package or managed-app
 * declaration carries a manifest link: an existing one (`linkId`, whose URL is derived again) or
 * one this request creates (`newLink`) — never both, never silently: the answer says which.
 */
import { z } from 'zod';
import { CreateManifestLinkBody } from './manifest-links.js';

/** A declaration identifier an admin may choose (reverse-DNS style, as MDMs use). */
const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/** POST /api/v1/declarations */
export const ExportDeclarationBody = z
  .strictObject({
    path: z.string().min(1).max(1024).meta({
      description: 'The catalog item (its path, as in /api/v1/content)',
      example: 'mac/Agent.pkg',
    }),
    type: z.enum(['package', 'app.managed', 'asset.data']).meta({
      description:
        'package (com.apple.configuration.package, .pkg), app.managed (com.apple.configuration.app.managed, .ipa), asset.data (com.apple.asset.data, any file)',
    }),
    linkId: z
      .uuid()
      .optional()
      .meta({ description: 'An active manifest link of this item to put in ManifestURL' }),
    newLink: CreateManifestLinkBody.omit({ path: true })
      .optional()
      .meta({ description: 'Create a manifest link for this export (reported as created)' }),
    identifier: z
      .string()
      .regex(IDENTIFIER, 'must look like com.example.ddm.agent (letters, digits, . _ -)')
      .optional()
      .meta({ description: 'Declaration Identifier (default: portcullis.<type>.<path hash>)' }),
    install: z.enum(['Optional', 'Required']).optional().meta({
      description: 'InstallBehavior.Install (package, app.managed)',
    }),
    automaticAppUpdates: z.enum(['AlwaysOn', 'AlwaysOff', 'StoreSettings']).optional().meta({
      description: 'UpdateBehavior.AutomaticAppUpdates (app.managed; iOS and visionOS 26)',
    }),
    includeInBackup: z.boolean().optional().meta({
      description: 'IncludeInBackup (app.managed; iOS and visionOS)',
    }),
  })
  .superRefine((body, ctx) => {
    const needsLink = body.type !== 'asset.data';
    const given = (body.linkId === undefined ? 0 : 1) + (body.newLink === undefined ? 0 : 1);
    if (needsLink && given !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['linkId'],
        message: 'or a new link (newLink) is required: give exactly one of the two',
      });
    }
    if (!needsLink && given > 0) {
      ctx.addIssue({
        code: 'custom',
        path: [body.linkId === undefined ? 'newLink' : 'linkId'],
        message: 'is not used by asset.data (the device authenticates with its MDM identity)',
      });
    }
    const appOnly = body.automaticAppUpdates !== undefined || body.includeInBackup !== undefined;
    if (appOnly && body.type !== 'app.managed') {
      ctx.addIssue({
        code: 'custom',
        path: [body.automaticAppUpdates !== undefined ? 'automaticAppUpdates' : 'includeInBackup'],
        message: 'applies to app.managed only',
      });
    }
    if (body.install !== undefined && body.type === 'asset.data') {
      ctx.addIssue({ code: 'custom', path: ['install'], message: 'does not apply to asset.data' });
    }
  });

/** A declaration as Apple's protocol carries it (the payload is type-specific). */
export const DeclarationJson = z.object({
  Type: z.string(),
  Identifier: z.string(),
  ServerToken: z.string(),
  Payload: z.record(z.string(), z.unknown()),
});

/** The answer: the declaration, the manifest link it carries (if any) and what to look at. */
export const ExportedDeclaration = z.object({
  declaration: DeclarationJson,
  link: z
    .object({
      id: z.string(),
      label: z.string(),
      expiresAt: z.string(),
      /** True when this request created the link (a new credential now exists). */
      created: z.boolean(),
    })
    .nullable(),
  warnings: z.array(z.object({ code: z.string(), message: z.string() })),
});
