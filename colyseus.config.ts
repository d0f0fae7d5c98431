/**
 * The Colyseus application config (the shape Colyseus tooling expects): rooms and HTTP
 * routes. `npm start` / `npm run dev` use server/src/index.ts, which builds the same config;
 * this file is here for Colyseus tooling. Baton itself never imports `@colyseus/tools` (it
 * would read env files), see server/src/app.ts.
 */
import { createAppConfig, createServices } from "./server/src/app.ts";

export default createAppConfig(await createServices());
