/** The signed-in user, available to every page (read-only users see no write controls). */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { WhoAmI } from './types.js';

/** Context holding the current user. */
export const UserContext = createContext<WhoAmI | null>(null);

/** True when the signed-in user may change things. */
export function useCanWrite(): boolean {
  return useContext(UserContext)?.role === 'admin';
}
