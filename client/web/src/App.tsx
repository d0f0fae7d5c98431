/** Which page to show: the sign-in page until someone is signed in, then the route's page. */
import { useEffect } from "react";
import { AdminAudit } from "./admin/AdminAudit.tsx";
import { AdminDeviceHistory } from "./admin/AdminDeviceHistory.tsx";
import { AdminDevices } from "./admin/AdminDevices.tsx";
import { AdminSessions } from "./admin/AdminSessions.tsx";
import { AdminWebhooks } from "./admin/AdminWebhooks.tsx";
import { isAdminToken } from "./admin/access.ts";
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
  if (route.page.startsWith("admin-") && !isAdminToken(identity.token)) {
    return (
      <>
        <PageHeading title="For administrators only" />
        <p>
          This page is for administrators, and your sign-in does not carry the admin role. <Link to="/">See all devices</Link>.
        </p>
      </>
    );
  }
  switch (route.page) {
    case "devices":
    case "sign-in":
      return <DeviceList />;
    case "device":
      return <DevicePage key={route.deviceId} deviceId={route.deviceId} />;
    case "history":
      return <History />;
    case "admin-devices":
      return <AdminDevices />;
    case "admin-sessions":
      return <AdminSessions />;
    case "admin-audit":
      return <AdminAudit />;
    case "admin-webhooks":
      return <AdminWebhooks />;
    case "admin-device":
      return <AdminDeviceHistory key={route.deviceId} deviceId={route.deviceId} />;
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
