/** The frame of every signed-in page: skip link, header with navigation and the user, the main region. */
import type { ReactNode } from "react";
import { isAdminToken } from "../admin/access.ts";
import { useIdentity } from "../auth/IdentityContext.tsx";
import { Link } from "./Link.tsx";

export function Layout({ children }: { children: ReactNode }) {
  const { identity, signOut } = useIdentity();
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top-bar">
        <Link to="/" className="brand">
          Baton
        </Link>
        {identity && (
          <>
            <nav aria-label="Main">
              <ul>
                <li>
                  <Link to="/">Devices</Link>
                </li>
                <li>
                  <Link to="/history">My sessions</Link>
                </li>
                {isAdminToken(identity.token) && (
                  <li>
                    <Link to="/manage">Admin</Link>
                  </li>
                )}
              </ul>
            </nav>
            <div className="who">
              <span>
                Signed in as <strong>{identity.name}</strong>
                {identity.roles.includes("admin") && <span className="role-badge"> (admin)</span>}
              </span>
              <button type="button" className="link-button" onClick={signOut}>
                Sign out
              </button>
            </div>
          </>
        )}
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
