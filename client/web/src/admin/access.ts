/**
 * Whether the signed-in person is an administrator: their token's `roles` claim lists
 * "admin". Read from the token (not verified — the server checks every admin request and
 * refuses others with FORBIDDEN); it only decides whether the admin area is shown.
 */
export function rolesOfToken(token: string): string[] {
  const payload = token.split(".")[1];
  if (!payload) return [];
  try {
    const bytes = Uint8Array.from(atob(payload.replace(/-/g, "+").replace(/_/g, "/")), (character) => character.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes)) as { roles?: unknown };
    return Array.isArray(claims.roles) ? claims.roles.filter((role): role is string => typeof role === "string") : [];
  } catch {
    return [];
  }
}

export function isAdminToken(token: string): boolean {
  return rolesOfToken(token).includes("admin");
}
