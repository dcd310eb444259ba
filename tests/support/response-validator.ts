import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";

// deno-lint-ignore no-explicit-any
type Json = any;

interface Operation {
  method: string;
  pattern: RegExp;
  template: string;
  responses: Record<string, { content?: Record<string, { schema: Json }> }>;
}

/**
 * Checks every response the HTTP tests receive against the served OpenAPI document: the status
 * must be one the operation declares, the media type one it declares for that status, and the
 * body must match its schema. A drift between the document and the server fails the test that
 * saw it, whichever test that is.
 */
export interface ResponseValidator {
  /** Throws a description of the mismatch; `path` may carry a query string. */
  check(method: string, path: string, response: Response, body: unknown): void;
}

/** Paths that are not operations of the document: the document itself and its reference page. */
const undescribed = (path: string) =>
  path === "/openapi.json" || path === "/docs" || path.startsWith("/docs/assets/");

/**
 * A validator for the document `app` serves: the test's own configuration (its embedding
 * dimension, its limits) shapes the schemas, as it does for a client of that server.
 */
export async function responseValidator(
  app: { request(path: string): Response | Promise<Response> },
): Promise<ResponseValidator> {
  const served = await app.request("/rag/v1/openapi.json");
  if (served.status !== 200) throw new Error(`openapi.json answered ${served.status}`);
  const document: Json = await served.json();
  // The components move under $defs of a schema of their own, and every reference is rewritten
  // to point there, so each response schema compiles on its own.
  const rewrite = (value: Json): Json =>
    JSON.parse(
      JSON.stringify(value).replaceAll('"#/components/schemas/', '"pgrag-components#/$defs/'),
    );
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema({ $id: "pgrag-components", $defs: rewrite(document.components.schemas) });

  const operations: Operation[] = [];
  for (const [template, methods] of Object.entries<Json>(document.paths)) {
    for (const [method, operation] of Object.entries<Json>(methods)) {
      const pattern = new RegExp(
        "^" + template.replaceAll(/\{\w+\}/g, "[^/]+") + "$",
      );
      operations.push({ method, pattern, template, responses: operation.responses });
    }
  }
  // Literal segments win over parameters (/documents/get before /documents/{id}).
  operations.sort((a, b) => a.template.split("{").length - b.template.split("{").length);
  const compiled = new Map<Json, ValidateFunction>();
  const problem = ajv.compile({ $ref: "pgrag-components#/$defs/Problem" });

  return {
    check(method, path, response, body) {
      const where = `${method} ${path} → ${response.status}`;
      const contentType = response.headers.get("content-type")?.split(";")[0].trim() ?? "";
      const pathname = path.split("?")[0];
      const operation = operations.find((candidate) =>
        candidate.method === method.toLowerCase() && candidate.pattern.test(pathname)
      );
      if (!operation) {
        // No such operation (an unknown route, a method the path lacks): a problem document.
        if (undescribed(pathname) && response.status < 400) return;
        if (response.status < 400) throw new Error(`${where}: not in the OpenAPI document`);
        if (!problem(body)) {
          throw new Error(`${where}: not a Problem: ${ajv.errorsText(problem.errors)}`);
        }
        return;
      }
      const declared = operation.responses[String(response.status)];
      if (!declared) {
        throw new Error(`${where}: status not declared for ${method} ${operation.template}`);
      }
      if (!declared.content) {
        if (body !== null && body !== undefined && body !== "") {
          throw new Error(`${where}: a body where the document declares none`);
        }
        return;
      }
      const media = declared.content[contentType];
      if (!media) {
        throw new Error(
          `${where}: ${contentType || "no content type"}, the document declares ` +
            Object.keys(declared.content).join(", "),
        );
      }
      let validate = compiled.get(media.schema);
      if (!validate) {
        validate = ajv.compile(rewrite(media.schema));
        compiled.set(media.schema, validate);
      }
      if (!validate(body)) {
        throw new Error(
          `${where}: body does not match the document: ${ajv.errorsText(validate.errors)}`,
        );
      }
    },
  };
}
