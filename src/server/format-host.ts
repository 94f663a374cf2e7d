/** How a listen address is written in a URL or a message: IPv6 literals in brackets. */

/**
 * Brackets IPv6 literals for URLs.
 * @example formatHost('::1') // '[::1]'
 */
export function formatHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
