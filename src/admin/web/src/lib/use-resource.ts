/** Loading state for one API resource, with reload and optional polling. */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

/** What {@link useResource} returns. */
export interface Resource<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  reload: () => Promise<void>;
}

/** Runs `load` on mount and when `deps` change; polls every `pollMs` when given. */
export function useResource<T>(
  load: () => Promise<T>,
  deps: unknown[],
  pollMs?: number,
): Resource<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const loadRef = useRef(load);
  loadRef.current = load;
  const alive = useRef(true);

  const reload = useCallback(async () => {
    try {
      const value = await loadRef.current();
      if (!alive.current) return;
      setData(value);
      setError(undefined);
    } catch (err) {
      if (alive.current) setError(err as Error);
    } finally {
      if (alive.current) setLoading(false);
    }
  }, []);

  useEffect(() => {
    alive.current = true;
    setLoading(true);
    void reload();
    const timer = pollMs ? setInterval(() => void reload(), pollMs) : undefined;
    return () => {
      alive.current = false;
      if (timer) clearInterval(timer);
    };
  }, deps);

  return { data, error, loading, reload };
}
