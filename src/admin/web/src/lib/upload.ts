/**
 * Uploads a file with `PUT /api/v1/content/{path}`. XMLHttpRequest, not fetch, because only XHR
 * reports upload progress in every browser.
 */
import { authHeaders, contentUrl, toApiError } from './api.js';

/** Sends `file` to `path`; `onProgress` gets 0..1. Resolves with the parsed response body. */
export function uploadContent(
  path: string,
  file: Blob,
  onProgress: (fraction: number) => void,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', contentUrl(path));
    for (const [name, value] of Object.entries(authHeaders({ accept: 'application/json' })))
      xhr.setRequestHeader(name, value);
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onerror = () => reject(new Error('The upload failed: the connection was lost.'));
    xhr.onload = async () => {
      const res = new Response(xhr.responseText || null, {
        status: xhr.status,
        headers: { 'content-type': xhr.getResponseHeader('content-type') ?? 'application/json' },
      });
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve(xhr.responseText ? JSON.parse(xhr.responseText) : undefined);
      } else reject(await toApiError(res));
    };
    xhr.send(file);
  });
}
