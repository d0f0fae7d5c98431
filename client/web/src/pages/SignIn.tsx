/**
 * Sign-in. With an OpenID Connect provider configured (BATON_OIDC_*), "Sign in with
 * <provider>" sends the person to the organisation's sign-in page and back here
 * (auth/oidc.ts: authorization code + PKCE). A development server (`npm run dev`) mints a
 * token for a name (POST /dev/token), as an administrator if the box is ticked — the form is
 * shown only when GET /auth/config says `devSignIn`, and production has no such route. A token can always be pasted — one from
 * `npm run baton -- token`, or the provider's (client/web/README.md, "Signing in").
 * GET /auth/config says which of these this server offers.
 */
import { useEffect, useState, type FormEvent } from "react";
import type { AuthConfigAnswer } from "@baton/protocol/http";
import { useIdentity } from "../auth/IdentityContext.tsx";
import { devSignIn, identityConfirmedByServer, sentenceOf } from "../auth/identity.ts";
import { fetchAuthConfig, finishOidcSignIn, isOidcCallback, startOidcSignIn } from "../auth/oidc.ts";
import { Alert } from "../components/Alert.tsx";
import { PageHeading } from "../components/PageHeading.tsx";
import { navigate } from "../router.ts";

export function SignIn() {
  const { setIdentity, signedOutBecause } = useIdentity();
  const [config, setConfig] = useState<AuthConfigAnswer | null>(null);
  const [name, setName] = useState("");
  const [asAdmin, setAsAdmin] = useState(false);
  const [token, setToken] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Back from the provider: the page finishes the sign-in before it shows any form.
  const [returning, setReturning] = useState(isOidcCallback);

  useEffect(() => {
    const controller = new AbortController();
    fetchAuthConfig(controller.signal).then(setConfig, (error) => {
      if (!controller.signal.aborted) {
        setConfig({ devSignIn: false, oidc: null });
        setProblem(sentenceOf(error));
      }
    });
    return () => controller.abort();
  }, []);

  useEffect(() => {
    if (!returning || !config) return;
    if (!config.oidc) {
      setReturning(false);
      setProblem((earlier) => earlier ?? "This server no longer signs in through an identity provider. Use another way below.");
      return;
    }
    let current = true;
    finishOidcSignIn(config.oidc)
      .then(async ({ idToken, returnTo }) => {
        const identity = await identityConfirmedByServer(idToken);
        if (!current) return;
        navigate(returnTo, { replace: true });
        setIdentity(identity);
      })
      .catch((error) => {
        if (!current) return;
        setProblem(sentenceOf(error));
        setReturning(false);
      });
    return () => {
      current = false;
    };
  }, [returning, config, setIdentity]);

  async function signInWithProvider() {
    if (!config?.oidc) return;
    setBusy(true);
    setProblem(null);
    try {
      await startOidcSignIn(config.oidc);
    } catch (error) {
      setProblem(sentenceOf(error));
      setBusy(false);
    }
  }

  async function signInWithName(event: FormEvent) {
    event.preventDefault();
    if (name.trim() === "") return setProblem("Enter your name to sign in.");
    setBusy(true);
    setProblem(null);
    try {
      setIdentity(await devSignIn(name, { admin: asAdmin }));
    } catch (error) {
      setProblem(sentenceOf(error));
    } finally {
      setBusy(false);
    }
  }

  async function signInWithToken(event: FormEvent) {
    event.preventDefault();
    if (token.trim() === "") return setProblem("Paste your token to sign in.");
    setBusy(true);
    setProblem(null);
    try {
      setIdentity(await identityConfirmedByServer(token));
    } catch (error) {
      setProblem(sentenceOf(error));
    } finally {
      setBusy(false);
    }
  }

  if (returning) {
    return (
      <div className="narrow">
        <PageHeading title="Signing in…" />
        <p role="status">Finishing your sign-in{config?.oidc ? ` with ${config.oidc.providerName}` : ""}.</p>
      </div>
    );
  }

  const oidc = config?.oidc;
  return (
    <div className="narrow">
      <PageHeading title="Sign in" />
      <p>Sign in to see the shared devices, claim one, and run it.</p>
      {signedOutBecause && !problem && <Alert tone="info">{signedOutBecause}</Alert>}
      {problem && <Alert>{problem}</Alert>}
      {oidc && (
        <div className="card">
          <h2>With your organisation's account</h2>
          {oidc.problem && <p className="hint">{oidc.problem}</p>}
          <button type="button" className="primary" onClick={signInWithProvider} disabled={busy || !oidc.authorizationEndpoint}>
            Sign in with {oidc.providerName}
          </button>
        </div>
      )}
      {config?.devSignIn && (
        <form className="card" onSubmit={signInWithName} noValidate>
          <h2>With your name</h2>
          <p className="hint">This server runs in development mode: it gives a token to any name.</p>
          <label htmlFor="sign-in-name">Your name</label>
          <input id="sign-in-name" name="name" autoComplete="name" value={name} onChange={(event) => setName(event.target.value)} maxLength={100} required aria-required="true" />
          <div className="field-check">
            <input id="sign-in-admin" type="checkbox" name="admin" checked={asAdmin} onChange={(event) => setAsAdmin(event.target.checked)} />
            <label htmlFor="sign-in-admin">Sign in as an administrator</label>
            <p className="hint">Development only: your token carries the admin role, so the Admin area opens to you.</p>
          </div>
          <button type="submit" className={oidc ? "" : "primary"} disabled={busy}>
            {busy ? "Signing in…" : "Sign in"}
          </button>
        </form>
      )}
      <form className="card" onSubmit={signInWithToken} noValidate>
        <h2>With a token</h2>
        <p className="hint" id="token-hint">
          Paste a Baton token (a JWT) your organisation gave you, or one from <code>npm run baton -- token</code>. It stays in this browser tab only.
        </p>
        <label htmlFor="sign-in-token">Token</label>
        <textarea id="sign-in-token" name="token" rows={3} value={token} onChange={(event) => setToken(event.target.value)} aria-describedby="token-hint" spellCheck={false} autoComplete="off" />
        <button type="submit" className={config?.devSignIn || oidc ? "" : "primary"} disabled={busy}>
          Sign in with this token
        </button>
      </form>
    </div>
  );
}
