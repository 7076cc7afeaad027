/**
 * The signed-in person's token, kept in `sessionStorage`: it lives as long as the browser tab and is never sent
 * anywhere but the gateway's API (in the Authorization header).
 */
const KEY = 'ledgerflow.console.token';

export function storedToken(): string | undefined {
  try {
    return sessionStorage.getItem(KEY) ?? undefined;
  } catch {
    return undefined; // storage disabled: the person signs in again per page load
  }
}

export function storeToken(token: string | undefined): void {
  try {
    if (token === undefined) sessionStorage.removeItem(KEY);
    else sessionStorage.setItem(KEY, token);
  } catch {
    // storage disabled: the token stays in memory only
  }
}
