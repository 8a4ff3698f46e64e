const KEY = "copr.apiToken";

/** The API token pasted on the sign-in form, kept in localStorage. */
export function loadToken(): string | null {
  try {
    const t = window.localStorage.getItem(KEY);
    return t === null || t.trim() === "" ? null : t.trim();
  } catch {
    return null;
  }
}

export function saveToken(token: string | null): void {
  try {
    if (token === null) window.localStorage.removeItem(KEY);
    else window.localStorage.setItem(KEY, token);
  } catch {
    // storage disabled: the token lasts for this page only
  }
}
