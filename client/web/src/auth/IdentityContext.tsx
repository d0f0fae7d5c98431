/**
 * The signed-in user for every page, the way to change it (sign in, sign out), and the one
 * BatonClient (the SDK) made from their token, for `useDevice` / `useDevices` below it.
 */
import { createContext, useContext, useMemo, useState, type ReactNode } from "react";
import { BatonClient } from "@baton/client";
import { BatonProvider } from "@baton/client/react";
import { storedIdentity, storeIdentity, type Identity } from "./identity.ts";
import { isProviderToken, signOutAtProvider } from "./oidc.ts";

interface IdentityState {
  identity: Identity | null;
  /** Why the last sign-out happened when the person did not ask for it (shown on the sign-in page). */
  signedOutBecause: string | null;
  setIdentity(identity: Identity | null): void;
  /** Signs out because the server no longer accepts the token. */
  signInExpired(): void;
  /** The person signs out: here, and at the identity provider when they signed in there. */
  signOut(): void;
}

const IdentityContext = createContext<IdentityState | null>(null);

export function IdentityProvider({ children }: { children: ReactNode }) {
  const [identity, setState] = useState<Identity | null>(() => storedIdentity());
  const [signedOutBecause, setSignedOutBecause] = useState<string | null>(null);
  const state = useMemo<IdentityState>(() => ({
    identity,
    signedOutBecause,
    setIdentity(next) {
      storeIdentity(next);
      setSignedOutBecause(null);
      setState(next);
    },
    signInExpired() {
      storeIdentity(null);
      setSignedOutBecause("The server no longer accepts your sign-in (it may have expired). Please sign in again.");
      setState(null);
    },
    signOut() {
      const token = identity?.token;
      storeIdentity(null);
      setSignedOutBecause(null);
      setState(null);
      if (token && isProviderToken(token)) {
        signOutAtProvider(token).catch(() => setSignedOutBecause("You are signed out of Baton, but the identity provider could not be reached to sign you out there too."));
      }
    },
  }), [identity, signedOutBecause]);
  // Same origin: the page, the API and the rooms are one server.
  const client = useMemo(() => (identity ? new BatonClient(window.location.origin, { token: identity.token, userId: identity.userId }) : null), [identity]);
  return (
    <IdentityContext.Provider value={state}>
      {client ? <BatonProvider client={client}>{children}</BatonProvider> : children}
    </IdentityContext.Provider>
  );
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
