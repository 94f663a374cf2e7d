/**
 * The ports every part of Portcullis plugs into: types only, no runtime code, no import of any
 * other folder of ours. See ARCHITECTURE.md for who implements and who consumes each one.
 */
export type * from './admin-extension.js';
export type * from './audit-sink.js';
export type * from './client-certificate.js';
export type * from './content-catalog.js';
export type * from './content-extension.js';
export type * from './content-link.js';
export type * from './content-storage.js';
export type * from './download-event.js';
export type * from './grace-store.js';
export type * from './key-source.js';
export type * from './probe-runner.js';
export type * from './token-identity.js';
export type * from './verification-key.js';
