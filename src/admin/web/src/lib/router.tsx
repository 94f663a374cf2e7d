/**
 * A tiny history router for the console: every page lives under /admin, the server answers
 * index.html for any /admin/* path, and links are plain <a href> so they work with the keyboard,
 * middle-click and "copy link".
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';

/** Where the console is mounted (Vite `base`). */
export const BASE = '/admin';

const listeners = new Set<() => void>();

/** The route path without the base, e.g. "/configurations/123". */
export function currentPath(): string {
  const p = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) : '/';
  return p === '' ? '/' : p;
}

/** Moves to a console path (relative to /admin) without reloading. */
export function navigate(path: string, replace = false): void {
  const url = BASE + (path === '/' ? '' : path);
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  for (const l of listeners) l();
  window.scrollTo(0, 0);
}

/** Re-renders on navigation; returns the current route path and query. */
export function useRoute(): { path: string; query: URLSearchParams } {
  const [, setTick] = useState(0);
  useEffect(() => {
    const update = () => setTick((t) => t + 1);
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return { path: currentPath(), query: new URLSearchParams(location.search) };
}

/** Matches "/configurations/:id" style patterns; returns params or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split('/');
  const s = path.split('/');
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    const part = p[i]!;
    if (part.endsWith('*')) {
      params[part.slice(1, -1)] = s.slice(i).map(decodeURIComponent).join('/');
      return s.length > i ? params : null;
    }
    if (s[i] === undefined) return null;
    if (part.startsWith(':')) params[part.slice(1)] = decodeURIComponent(s[i]!);
    else if (part !== s[i]) return null;
  }
  return s.length === p.length ? params : null;
}

/** An in-app link: a real anchor whose plain left-clicks are handled by the router. */
export function Link(props: {
  href: string;
  children: ComponentChildren;
  class?: string;
  'aria-current'?: 'page' | undefined;
}) {
  const { href, children, ...rest } = props;
  const onClick = (e: MouseEvent) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(href);
  };
  return (
    <a {...rest} href={BASE + (href === '/' ? '' : href)} onClick={onClick}>
      {children}
    </a>
  );
}
