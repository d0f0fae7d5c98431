/**
 * The Colyseus application config (`@colyseus/tools` format): rooms and HTTP routes.
 * `npm run dev` uses server/src/index.ts, which builds the same config; this file is here
 * for Colyseus tooling and for `@colyseus/testing`'s `boot()`.
 */
import { createAppConfig, createServices } from "./server/src/app.ts";

export default createAppConfig(await createServices());
