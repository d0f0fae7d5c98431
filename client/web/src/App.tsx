/** Which page to show: the sign-in page until someone is signed in, then the route's page. */
import { useEffect } from "react";
import { IdentityProvider, useIdentity } from "./auth/IdentityContext.tsx";
import { Layout } from "./components/Layout.tsx";
import { Link } from "./components/Link.tsx";
import { PageHeading } from "./components/PageHeading.tsx";
import { DeviceList } from "./pages/DeviceList.tsx";
import { DevicePage } from "./pages/DevicePage.tsx";
import { History } from "./pages/History.tsx";
import { SignIn } from "./pages/SignIn.tsx";
import { navigate, routeOf, usePathname } from "./router.ts";

function Pages() {
  const { identity } = useIdentity();
  const route = routeOf(usePathname());
  useEffect(() => {
    // Signed in on the sign-in page: there is nothing left to do there.
    if (identity && route.page === "sign-in") navigate("/", { replace: true });
  }, [identity, route.page]);
  // Any page asks for a sign-in first and shows itself right after, at the same address.
  if (!identity) return <SignIn />;
  switch (route.page) {
    case "devices":
    case "sign-in":
      return <DeviceList />;
    case "device":
      return <DevicePage key={route.deviceId} deviceId={route.deviceId} />;
    case "history":
      return <History />;
    case "not-found":
      return (
        <>
          <PageHeading title="Page not found" />
          <p>
            There is no page at this address. <Link to="/">See all devices</Link>.
          </p>
        </>
      );
  }
}

export function App() {
  return (
    <IdentityProvider>
      <Layout>
        <Pages />
      </Layout>
    </IdentityProvider>
  );
}
