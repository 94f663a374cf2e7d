/**
 * The signed-in session: a bearer token kept in sessionStorage (per tab, gone when the tab
 * closes). The console never uses cookies, so a forged cross-site request carries no
 * credentials — that is the CSRF defence (see docs/console.md).
 */
const KEY = 'portcullis.session';

/** What the console remembers about the signed-in user. */
export interface Session {
  token: string;
  /** Expiry of the bearer token, ms since epoch. */
  expires: number;
  username: string;
}

type Listener = (session: Session | null) => void;
const listeners = new Set<Listener>();

/** Returns the stored session, or null when signed out or expired. */
export function getSession(): Session | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as Session;
    if (typeof parsed.token !== 'string' || parsed.expires <= Date.now()) return null;
    return parsed;
  } catch {
    return null;
  }
}

/** Stores (or clears, with null) the session and tells subscribers. */
export function setSession(session: Session | null): void {
  if (session) sessionStorage.setItem(KEY, JSON.stringify(session));
  else sessionStorage.removeItem(KEY);
  for (const listener of listeners) listener(session);
}

/** Subscribes to sign-in/sign-out; returns the unsubscribe function. */
export function onSessionChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Parses the API's `expires` (ISO string, seconds or ms) into ms since epoch. */
export function parseExpires(value: unknown): number {
  if (typeof value === 'number') return value < 1e12 ? value * 1000 : value;
  if (typeof value === 'string') {
    const t = Date.parse(value);
    if (!Number.isNaN(t)) return t;
  }
  return Date.now() + 30 * 60_000;
}
