/**
 * The password typed at sign-in, kept only in this page's memory (a module variable: never
 * sessionStorage, localStorage or a cookie) so that the forced change of a one-time password
 * does not ask for it a second time. A reload forgets it (the form then asks again), and it is
 * dropped as soon as it has been used or is not needed.
 */
let remembered: string | null = null;

/** Keeps the password the user just signed in with. */
export function rememberSignInPassword(password: string): void {
  remembered = password;
}

/** The remembered sign-in password, if this page still has it. */
export function signInPassword(): string | null {
  return remembered;
}

/** Drops the remembered password. */
export function forgetSignInPassword(): void {
  remembered = null;
}
