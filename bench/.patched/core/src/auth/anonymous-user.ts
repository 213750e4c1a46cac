/**
 * The user of a connection nobody logged in on: what `scope.user` holds when the session (or the
 * token) names no valid user. Your own user type stays yours; check with `isAuthenticated(user)`.
 */
export class AnonymousUser {
  readonly id = null;
  readonly isAuthenticated = false as const;
  readonly isAnonymous = true as const;

  toString(): string {
    return "AnonymousUser";
  }
}

/** Narrows `scope.user` to your user type: `false` for `AnonymousUser`, `null` and `undefined`. */
export function isAuthenticated<User>(user: User | AnonymousUser | null | undefined): user is User {
  return user !== null && user !== undefined && !(user instanceof AnonymousUser);
}
