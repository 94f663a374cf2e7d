// An independent check of a SigV4 presigned URL: the `aws4` package (a second implementation,
// not the AWS SDK) signs the same request — same method, host, path, query, date, expiry and
// credentials — and its signature must equal the one in the URL. s3rver cannot do this (it
// accepts any signature), so every presigned URL a test relies on goes through here.
import aws4 from 'aws4';

/** Recomputes the URL's X-Amz-Signature with aws4; returns [theirs, ours]. */
export function recomputeSignature(
  url: string,
  method: 'GET' | 'HEAD',
  credentials: { accessKeyId: string; secretAccessKey: string },
  region: string,
): { inUrl: string; recomputed: string } {
  const parsed = new URL(url);
  const inUrl = parsed.searchParams.get('X-Amz-Signature') ?? '';
  parsed.searchParams.delete('X-Amz-Signature');
  const query = parsed.searchParams.toString().replace(/\+/g, '%20');
  const signed = aws4.sign(
    {
      host: parsed.host,
      method,
      path: `${parsed.pathname}?${query}`,
      service: 's3',
      region,
      signQuery: true,
    },
    credentials,
  ) as { path: string };
  const recomputed = new URL(`http://x${signed.path}`).searchParams.get('X-Amz-Signature') ?? '';
  return { inUrl, recomputed };
}
