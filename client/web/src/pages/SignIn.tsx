/**
 * Sign-in. A development server (`npm run dev`) mints a token for a name (POST /dev/token);
 * a production server takes a token from the organisation's identity provider, pasted here
 * (docs: client/web/README.md, "Signing in in production").
 */
import { useEffect, useState, type FormEvent } from "react";
import { useIdentity } from "../auth/IdentityContext.tsx";
import { devSignIn, devSignInAvailable, identityFromToken, sentenceOf } from "../auth/identity.ts";
import { Alert } from "../components/Alert.tsx";
import { PageHeading } from "../components/PageHeading.tsx";

export function SignIn() {
  const { setIdentity, signedOutBecause } = useIdentity();
  const [devAvailable, setDevAvailable] = useState<boolean | null>(null);
  const [name, setName] = useState("");
  const [token, setToken] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const controller = new AbortController();
    devSignInAvailable(controller.signal).then(setDevAvailable, () => setDevAvailable(false));
    return () => controller.abort();
  }, []);

  async function signInWithName(event: FormEvent) {
    event.preventDefault();
    if (name.trim() === "") return setProblem("Enter your name to sign in.");
    setBusy(true);
    setProblem(null);
    try {
      setIdentity(await devSignIn(name));
    } catch (error) {
      setProblem(sentenceOf(error));
    } finally {
      setBusy(false);
    }
  }

  function signInWithToken(event: FormEvent) {
    event.preventDefault();
    if (token.trim() === "") return setProblem("Paste your token to sign in.");
    const identity = identityFromToken(token);
    if (typeof identity === "string") return setProblem(identity);
    setProblem(null);
    setIdentity(identity);
  }

  return (
    <div className="narrow">
      <PageHeading title="Sign in" />
      <p>Sign in to see the shared devices, claim one, and run it.</p>
      {signedOutBecause && !problem && <Alert tone="info">{signedOutBecause}</Alert>}
      {problem && <Alert>{problem}</Alert>}
      {devAvailable && (
        <form className="card" onSubmit={signInWithName} noValidate>
          <h2>With your name</h2>
          <p className="hint">This server runs in development mode: it gives a token to any name.</p>
          <label htmlFor="sign-in-name">Your name</label>
          <input id="sign-in-name" name="name" autoComplete="name" value={name} onChange={(event) => setName(event.target.value)} maxLength={100} required aria-required="true" />
          <button type="submit" className="primary" disabled={busy}>
            {busy ? "Signing in…" : "Sign in"}
          </button>
        </form>
      )}
      <form className="card" onSubmit={signInWithToken} noValidate>
        <h2>With a token</h2>
        <p className="hint" id="token-hint">
          Paste the Baton token (a JWT) your organisation gave you. It stays in this browser tab only.
        </p>
        <label htmlFor="sign-in-token">Token</label>
        <textarea id="sign-in-token" name="token" rows={3} value={token} onChange={(event) => setToken(event.target.value)} aria-describedby="token-hint" spellCheck={false} autoComplete="off" />
        <button type="submit" className={devAvailable ? "" : "primary"}>
          Sign in with this token
        </button>
      </form>
    </div>
  );
}
