import { createApp } from "./app.ts";
import { parseConfig } from "./config.ts";

/**
 * The OpenAPI document as the server serves it, built in-process from the default configuration
 * without a database (serving the document needs none). The typed client's types are generated
 * from it, and the lint tests check it.
 */
export async function servedOpenApiDocument(): Promise<Record<string, unknown>> {
  const app = createApp({
    config: parseConfig({}),
    database: () => Promise.reject(new Error("the OpenAPI document needs no database")),
  });
  const response = await app.request("/rag/v1/openapi.json");
  if (response.status !== 200) throw new Error(`openapi.json answered ${response.status}`);
  return await response.json();
}
