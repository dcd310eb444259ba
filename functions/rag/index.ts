import { createServer } from "../../shared/server.ts";

const { port, app } = createServer();
Deno.serve({ port }, app.fetch);
