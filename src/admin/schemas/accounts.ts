/**
 * Schemas of sessions (/api/v1/auth) and local accounts (/api/v1/accounts). Passwords are never
 * part of a view.
 */
import { z } from 'zod';
import { Role } from './common.js';

const Username = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._@-]+$/, 'may contain only letters, digits and . _ @ -');
const Password = z.string().min(12).max(1024);

/** Bearer token response (Jamf Pro API shape). */
export const TokenView = z.object({ token: z.string(), expires: z.string() });

/** GET /api/v1/auth */
export const WhoAmIView = z.object({
  username: z.string(),
  role: Role,
  source: z.enum(['local', 'external']),
  expires: z.string().nullable(),
  mustChangePassword: z.boolean(),
});

/** POST /api/v1/auth/change-password */
export const ChangePasswordBody = z.strictObject({
  currentPassword: z.string().max(1024),
  newPassword: Password,
});

/** POST /api/v1/accounts */
export const CreateAccountBody = z.strictObject({
  username: Username,
  password: Password,
  role: Role.default('read-only'),
  mustChangePassword: z.boolean().default(true),
});

/** PATCH /api/v1/accounts/:id */
export const PatchAccountBody = z
  .strictObject({
    role: Role.optional(),
    disabled: z.boolean().optional(),
    password: Password.optional(),
  })
  .refine((v) => Object.keys(v).length > 0, { message: 'Nothing to change: send a field.' });

/** An account as the API shows it (never the hash). */
export const AccountView = z.object({
  id: z.string(),
  username: z.string(),
  role: Role,
  disabled: z.boolean(),
  mustChangePassword: z.boolean(),
  createdAt: z.string(),
  lastLoginAt: z.string().nullable(),
});
