/**
 * URLs a bundle is built with (--origin, --jwks-url, a --key URL): https, or plain http only to a
 * loopback host (local testing), with no credentials, query or fragment that could leak or
 * confuse. Checked at build time so a deployed bundle never fails on its own configuration.
 */
import { EdgeError } from './errors.js';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Returns the normalised URL or throws EDGE_OPTION_INVALID naming the option.
 * @example checkEdgeUrl('https://files.example.com/apps', '--origin') // 'https://files.example.com/apps'
 */
export function checkEdgeUrl(value: string, option: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new EdgeError('EDGE_OPTION_INVALID', `${option} is not a URL`);
  }
  const secure = url.protocol === 'https:';
  const localHttp = url.protocol === 'http:' && LOOPBACK.has(url.hostname);
  if (!secure && !localHttp) {
    throw new EdgeError('EDGE_OPTION_INVALID', `${option} must be an https URL`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new EdgeError('EDGE_OPTION_INVALID', `${option} must not carry credentials`);
  }
  if (url.search !== '' || url.hash !== '') {
    throw new EdgeError('EDGE_OPTION_INVALID', `${option} must not carry a query or fragment`);
  }
  return url.href;
}
