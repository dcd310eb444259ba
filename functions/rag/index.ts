import { createServer } from "../../shared/server.ts";

// A deployment's static files sit beside this file (`deno task assets`), or beside the bundle
// made from it.
const { port, app } = await createServer({ staticFolder: new URL("./static/", import.meta.url) });
Deno.serve({ port }, app.fetch);
