import { createContext, useContext } from 'react';
import type { SignedInIdentity } from '../model/jwt-claims.js';

/** The signed-in person: their token (for API calls) and what it says about them. */
export interface Session {
  readonly token: string;
  readonly identity: SignedInIdentity;
}

export const SessionContext = createContext<Session | undefined>(undefined);

/** The session of a signed-in page (every page but sign-in renders inside one). */
export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in page');
  return session;
}
