/**
 * Content storage codes: where content bytes live (local disk, an S3-compatible bucket). A device
 * only ever sees the status and the generic message (502/503, nothing about the bucket); the
 * operator's log and terminal get the bucket's own error code (`AccessDenied`, `NoSuchBucket`),
 * never credentials, a presigned URL or an absolute path.
 */
import { codedErrorClass, defineErrors } from '../errors/define.js';

/** Registry of content storage codes → HTTP status, default message, remedy. */
export const STORAGE_ERRORS = defineErrors('storage', {
  STORAGE_LOCATION_INVALID: {
    status: 500,
    message: 'The content storage location is not valid.',
    remedy:
      'Give --storage as s3://BUCKET or s3://BUCKET/PREFIX (a bucket name of 3-63 lower-case letters, digits, dots and hyphens), or a directory.',
  },
  STORAGE_CREDENTIALS_MISSING: {
    status: 500,
    message: 'No credentials for the bucket were found.',
    remedy:
      'Provide credentials through the AWS SDK chain: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), AWS_PROFILE, or an instance or container role. They are never taken from a command-line flag.',
  },
  STORAGE_REGION_MISSING: {
    status: 500,
    message: 'The bucket region is not set.',
    remedy: 'Set --s3-region (or AWS_REGION); Cloudflare R2 uses "auto".',
  },
  STORAGE_BUCKET_UNREACHABLE: {
    status: 503,
    message: 'The bucket could not be reached.',
    remedy:
      'Check --s3-endpoint, the network path from this node to the store, and that the bucket exists (see the log for the store error code).',
  },
  STORAGE_ACCESS_DENIED: {
    status: 502,
    message: 'The bucket refused the request.',
    remedy:
      'Check the IAM policy of these credentials (s3:GetObject, s3:ListBucket, and for the admin s3:PutObject, s3:DeleteObject) and the bucket region (see docs/object-storage.md).',
  },
  STORAGE_FAILED: {
    status: 502,
    message: 'The content store answered with an error.',
    remedy: 'See the log for the store error code; retry later if the store reports it is busy.',
  },
  STORAGE_UNAVAILABLE: {
    status: 503,
    message: 'The content store is unavailable.',
    remedy: 'The store timed out or is slowing requests down; retry later and check its status.',
  },
  STORAGE_CHANGED: {
    status: 502,
    message: 'The object changed while it was being read.',
    remedy: 'Retry the download; it was replaced in the store between two reads.',
  },
  STORAGE_PATH_REFUSED: {
    status: 400,
    message: 'The content path leaves the content root or runs through a file.',
    remedy:
      'Store the file under a path inside the content root; folders in the root must not be symbolic links that lead out of it, nor files.',
  },
  STORAGE_DELIVERY_INVALID: {
    status: 500,
    message: 'The delivery settings are not valid for this storage.',
    remedy:
      'Use --delivery redirect or cloudfront only with --storage s3://…; cloudfront needs --cloudfront-domain, --cloudfront-key-pair-id and --cloudfront-private-key-file.',
  },
});

/** A content storage failure or start-up refusal; `code` says which. */
export class StorageError extends codedErrorClass(STORAGE_ERRORS) {}

/** A storage code. */
export type StorageErrorCode = keyof typeof STORAGE_ERRORS;
