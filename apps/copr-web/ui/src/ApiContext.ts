import { createContext, useContext } from "react";
import type { Api, Whoami } from "./api.ts";

/** What every page may use: the API client and who is signed in. */
export interface Session {
  api: Api;
  /** null when no token is set (read-only) or the token was refused */
  user: Whoami | null;
  token: string | null;
  setToken: (token: string | null) => void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (s === null) throw new Error("useSession outside <SessionContext>");
  return s;
}
