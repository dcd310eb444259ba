import { Hono } from "hono";
import swaggerUiPackage from "swagger-ui-dist/package.json" with { type: "json" };
import type { AppEnv } from "../app-env.ts";
import { Problem } from "../http/problem.ts";
import { readStaticFile, type StaticFileName } from "../static/files.ts";

/**
 * The API reference page, Swagger UI from the pinned `swagger-ui-dist` package, served by pgrag
 * itself: no CDN, so it works offline and behind a firewall. Swagger UI over Scalar because its
 * package ships plain files (one script, one stylesheet) that need no build step and run under a
 * CSP without `unsafe-eval`. Every URL in the page is relative to the page, so it works under
 * Supabase's `/functions/v1` prefix and behind any proxy; the document's `servers` is relative
 * too, so "Try it out" calls the API the page came from.
 */
const VERSION = swaggerUiPackage.version;
const ASSETS_PATH = `docs/assets/${VERSION}`;

const ASSETS: Partial<Record<StaticFileName, string>> = {
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "swagger-ui.css": "text/css; charset=utf-8",
  "favicon-32x32.png": "image/png",
};

/** Inline styles stay allowed: Swagger UI's React components set them. Scripts come from here only. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pgrag API reference</title>
<link rel="icon" type="image/png" href="${ASSETS_PATH}/favicon-32x32.png">
<link rel="stylesheet" href="${ASSETS_PATH}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${ASSETS_PATH}/swagger-ui-bundle.js"></script>
<script src="${ASSETS_PATH}/start.js"></script>
</body>
</html>
`;

// In a file of its own, not inline, so the CSP needs no nonce. The document's URL is resolved
// against the page's, whatever prefix the page was served under.
const START_SCRIPT = `window.ui = SwaggerUIBundle({
  url: new URL("openapi.json", document.baseURI).href,
  dom_id: "#swagger-ui",
  deepLinking: true,
  tryItOutEnabled: false,
});
`;

const YEAR_IMMUTABLE = "public, max-age=31536000, immutable";

export function referencePageRoutes() {
  const app = new Hono<AppEnv>();
  app.get("/docs", (c) => {
    c.header("Content-Security-Policy", CONTENT_SECURITY_POLICY);
    c.header("Cache-Control", "no-cache");
    return c.html(PAGE);
  });
  app.get(`/${ASSETS_PATH}/start.js`, (c) => {
    c.header("Content-Type", "text/javascript; charset=utf-8");
    c.header("Cache-Control", YEAR_IMMUTABLE);
    return c.body(START_SCRIPT);
  });
  app.get(`/${ASSETS_PATH}/:name`, async (c) => {
    const name = c.req.param("name") as StaticFileName;
    const type = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
    if (!type) throw new Problem("not_found", `no asset ${name}`);
    let bytes: Uint8Array;
    try {
      bytes = await readStaticFile(name);
    } catch {
      // A bundle deployed without its static folder (`deno task assets`) nor node_modules.
      throw new Problem("not_found", `the reference page's ${name} is not part of this deployment`);
    }
    c.header("Content-Type", type);
    c.header("Cache-Control", YEAR_IMMUTABLE);
    return c.body(bytes as Uint8Array<ArrayBuffer>);
  });
  return app;
}
