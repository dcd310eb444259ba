import type { AccessLevel } from "../../shared/db/database.ts";

/** A JSON Schema as the app's OpenAPI 3.1 document writes it (the subset zod emits). */
export type JsonSchema = { [keyword: string]: unknown };

export interface OpenApiDocument {
  paths: Record<string, Record<string, RawOperation>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

interface RawOperation {
  parameters?: { name: string; in: string; required?: boolean; schema: JsonSchema }[];
  requestBody?: { content?: Record<string, { schema: JsonSchema }> };
  security?: Record<string, unknown>[];
  "x-pgrag-access"?: AccessLevel;
  "x-pgrag-audit"?: string | false;
}

export interface Parameter {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required: boolean;
  schema: JsonSchema;
}

/** Which credential an operation takes, from its `security` requirement. */
export type Security = "public" | "tenant" | "admin";

/** One operation of the document, everything the fuzzer needs to build requests for it. */
export interface Operation {
  /** `METHOD /path` as the document names it, e.g. `GET /documents/{id}`. */
  route: string;
  method: string;
  /** The path below the base path, with `{name}` placeholders. */
  template: string;
  parameters: Parameter[];
  /** The schema of the JSON body, when the operation takes one. */
  body?: JsonSchema;
  security: Security;
  /** The least tenant credential level that may call it (tenant operations only). */
  access?: AccessLevel;
  /** Whether each request leaves one audit row, refused or not (tenant operations only). */
  audited: boolean;
}

const METHODS = ["get", "put", "post", "delete", "patch"];

/** Every operation of the document, in the document's order. */
export function operationsOf(document: OpenApiDocument): Operation[] {
  return Object.entries(document.paths).flatMap(([template, item]) =>
    Object.entries(item).filter(([method]) => METHODS.includes(method)).map(([method, op]) => ({
      route: `${method.toUpperCase()} ${template}`,
      method: method.toUpperCase(),
      template,
      parameters: (op.parameters ?? []).map((p) => ({
        name: p.name,
        in: p.in as Parameter["in"],
        required: p.required ?? p.in === "path",
        schema: p.schema,
      })),
      body: op.requestBody?.content?.["application/json"]?.schema,
      security: securityOf(op),
      access: op["x-pgrag-access"],
      audited: typeof op["x-pgrag-audit"] === "string",
    }))
  );
}

function securityOf(op: RawOperation): Security {
  const schemes = (op.security ?? []).flatMap((requirement) => Object.keys(requirement));
  if (schemes.includes("AdminKey")) return "admin";
  if (schemes.includes("ApiKey")) return "tenant";
  return "public";
}

/** Follows a `$ref` into the document's components; any other schema is returned as is. */
export function resolve(document: OpenApiDocument, schema: JsonSchema): JsonSchema {
  const ref = schema.$ref;
  if (typeof ref !== "string") return schema;
  const name = ref.replace("#/components/schemas/", "");
  const target = document.components?.schemas?.[name];
  if (!target) throw new Error(`unresolved ${ref}`);
  return resolve(document, target);
}
