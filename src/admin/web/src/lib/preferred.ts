/**
 * Which configuration the console picks for the admin: never the zero-config "Default" while
 * another enabled configuration exists — that one is the admin's own key, the one Jamf Pro has.
 */

/** The fields the choice looks at. */
export interface Choosable {
  id: string;
  enabled?: boolean;
  zeroConfig?: boolean;
}

/** The configuration to preselect: enabled and not "Default" if possible, else enabled, else any. */
export function preferredConfiguration<T extends Choosable>(list: readonly T[]): T | undefined {
  const enabled = list.filter((c) => c.enabled !== false);
  return enabled.find((c) => !c.zeroConfig) ?? enabled[0] ?? list[0];
}

/** The zero-config "Default" when it is enabled beside another enabled configuration. */
export function defaultBesideOthers<T extends Choosable>(list: readonly T[]): T | undefined {
  const enabled = list.filter((c) => c.enabled !== false);
  const zero = enabled.find((c) => c.zeroConfig);
  return zero && enabled.some((c) => !c.zeroConfig) ? zero : undefined;
}
