/** Body size limits of the admin API (separate module so route files and app.ts share them). */

/** Upper bound for JSON bodies on the admin API. */
export const JSON_BODY_LIMIT = 1024 * 1024;
/** Upper bound for an uploaded key file. */
export const KEY_FILE_LIMIT = 64 * 1024;
