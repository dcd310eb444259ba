import { OpenAPIHono } from "@hono/zod-openapi";
import { Hono } from "hono";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import { timing } from "hono/timing";
import type { AppEnv } from "./app-env.ts";
import type { Config } from "./config.ts";
import type { Database } from "./db/database.ts";
import type { EmbeddingServices } from "./embedding/services.ts";
import { corsFor } from "./http/cors.ts";
import { jsonBodyParser } from "./http/json-body-parser.ts";
import { handleError } from "./http/on-error.ts";
import { Problem } from "./http/problem.ts";
import { requestDatabase } from "./http/request-database.ts";
import { requestDeadline } from "./http/deadline.ts";
import { validationHook } from "./http/validation.ts";
import { provideCredentialChecks } from "./http/credentials.ts";
import { clientAddressResolver, provideClientAddress } from "./http/client-address.ts";
import { VerifiedKeys } from "./http/verified-keys.ts";
import { createTokenVerifier } from "./auth/jwt.ts";
import { adminRoutes } from "./routes/admin.ts";
import { ADMIN_KEY_SCHEME } from "./routes/admin-route.ts";
import { auditRoutes } from "./routes/audit.ts";
import { searchRoutes } from "./routes/search.ts";
import { statsRoutes } from "./routes/stats.ts";
import { usageRoutes } from "./routes/usage.ts";
import { graphRoutes } from "./routes/graph.ts";
import { graphSearchRoutes } from "./routes/graph-search.ts";
import { graphBatchRoutes } from "./routes/graph-batches.ts";
import { lightragRoutes } from "./routes/lightrag.ts";
import { cacheRoutes } from "./routes/cache.ts";
import { chunkRoutes } from "./routes/chunks.ts";
import { documentRoutes } from "./routes/documents.ts";
import { embeddingRoutes } from "./routes/embeddings.ts";
import { healthRoutes } from "./routes/health.ts";
import { mcpRoutes } from "./routes/mcp.ts";
import { API_KEY_SCHEME, API_TAGS, JWT_SCHEME } from "./routes/openapi.ts";
import { referencePageRoutes } from "./reference/page.ts";
import { VERSION } from "./version.ts";

export const BASE_PATH = "/rag/v1";

export interface AppDependencies {
  config: Config;
  /** Returns the open database, opening it on first use (see `lazyDatabase`). */
  database: () => Promise<Database>;
  /** The embedding provider's services; null or absent without a provider. */
  embedding?: EmbeddingServices | null;
}

/** Builds the HTTP app. No side effects: nothing connects until a request needs the database. */
export function createApp(
  { config, database, embedding = null }: AppDependencies,
): Hono<AppEnv> {
  const api = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  // Each route declares its credentials (and a tenant route its level and audit action) on its
  // definition; tenant routes verify JWTs with this one verifier and remember good keys here.
  api.use(provideCredentialChecks({
    tokenVerifier: createTokenVerifier(config.jwt),
    verifiedKeys: new VerifiedKeys(),
  }));
  api.route("/", healthRoutes({ timeoutMs: config.healthTimeoutMs }));
  api.route("/", documentRoutes(config, embedding));
  api.route("/", chunkRoutes(config, embedding));
  api.route("/", embeddingRoutes(config, embedding));
  api.route("/", cacheRoutes(config));
  api.route("/", searchRoutes(config, embedding));
  api.route("/", graphSearchRoutes(config, embedding));
  api.route("/", graphBatchRoutes(config));
  api.route("/", graphRoutes(config));
  api.route("/", lightragRoutes(config));
  api.route("/", usageRoutes(config));
  api.route("/", statsRoutes(config));
  api.route("/", auditRoutes(config));
  api.route("/", adminRoutes(config.adminKey, config.limits));
  // The MCP tools answer through the whole app, so each call passes the routes' own middleware.
  api.route("/", mcpRoutes(config, () => app.fetch));
  api.openAPIRegistry.registerComponent("securitySchemes", "ApiKey", API_KEY_SCHEME);
  api.openAPIRegistry.registerComponent("securitySchemes", "Jwt", JWT_SCHEME);
  api.openAPIRegistry.registerComponent("securitySchemes", "AdminKey", ADMIN_KEY_SCHEME);
  api.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "pgrag",
      version: VERSION,
      description: "Multi-tenant storage and retrieval for RAG applications on PostgreSQL.",
      license: { name: "Apache-2.0", url: "https://www.apache.org/licenses/LICENSE-2.0" },
    },
    // Relative to the document, so clients and "Try it out" reach the API that served it,
    // whatever prefix or proxy is in front; PGRAG_PUBLIC_URL names it when that is not enough.
    servers: [{ url: config.publicUrl ?? "." }],
    tags: API_TAGS,
  });
  api.route("/", referencePageRoutes());

  const app = new Hono<AppEnv>();
  app.use(requestId());
  app.use(timing({ crossOrigin: true }));
  app.use(requestDeadline({
    timeoutMs: config.databaseLimits.timeoutMs,
    retryBudgetMs: config.databaseLimits.retryBudgetMs,
  }));
  app.use(secureHeaders());
  app.use(corsFor(config.corsOrigins));
  app.use(requestDatabase(database));
  app.use(provideClientAddress(clientAddressResolver(config.trustedProxies)));
  app.use(jsonBodyParser({
    limitBytes: config.bodyLimitBytes,
    timeoutMs: config.bodyTimeoutMs,
  }));
  app.route(BASE_PATH, api);
  app.notFound(() => {
    throw new Problem("not_found", "no such route");
  });
  app.onError(handleError);
  return app;
}
