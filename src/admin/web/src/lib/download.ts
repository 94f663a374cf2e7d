/**
 * Downloads and images that need the bearer token: fetched with Authorization, turned into a
 * blob: URL (allowed by the CSP's img-src) and, for downloads, saved through a temporary link.
 */
import { request } from './api.js';

/** Fetches `url` with the session token and saves it as `filename`. */
export async function downloadFile(url: string, filename: string, accept = '*/*'): Promise<void> {
  const res = await request('GET', url, { accept });
  saveBlob(await res.blob(), filename);
}

/** Saves an in-memory blob through a temporary object URL. */
export function saveBlob(blob: Blob, filename: string): void {
  const href = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = href;
  a.download = filename;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}

/** Saves text (e.g. a PEM shown on screen) as a file. */
export function saveText(text: string, filename: string, type = 'text/plain'): void {
  saveBlob(new Blob([text], { type }), filename);
}

/** Resolves an image reference from the API (data: URL or authenticated API link) to a src. */
export async function imageSource(ref: string): Promise<string> {
  if (ref.startsWith('data:')) return ref;
  const res = await request('GET', ref, { accept: 'image/*' });
  return URL.createObjectURL(await res.blob());
}
