/** The signed-in user for every page, and the way to change it (sign in, sign out). */
import { createContext, useContext, useState, type ReactNode } from "react";
import { storedIdentity, storeIdentity, type Identity } from "./identity.ts";

interface IdentityState {
  identity: Identity | null;
  setIdentity(identity: Identity | null): void;
}

const IdentityContext = createContext<IdentityState | null>(null);

export function IdentityProvider({ children }: { children: ReactNode }) {
  const [identity, setState] = useState<Identity | null>(() => storedIdentity());
  const setIdentity = (next: Identity | null) => {
    storeIdentity(next);
    setState(next);
  };
  return <IdentityContext.Provider value={{ identity, setIdentity }}>{children}</IdentityContext.Provider>;
}

export function useIdentity(): IdentityState {
  const state = useContext(IdentityContext);
  if (!state) throw new Error("useIdentity outside IdentityProvider");
  return state;
}

/** For pages that only render when someone is signed in (App shows the sign-in page otherwise). */
export function useSignedIn(): Identity {
  const { identity } = useIdentity();
  if (!identity) throw new Error("useSignedIn without a signed-in user");
  return identity;
}
