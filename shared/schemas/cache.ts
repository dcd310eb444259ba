import { z } from "@hono/zod-openapi";
import type { Config } from "../config.ts";
import { fieldSchemas } from "./fields.ts";

/** Request and response schemas of the LLM response cache routes (API §7). */
export function cacheSchemas(config: Config) {
  const { id, text, metadata, idList } = fieldSchemas(config.limits);
  return {
    KeyParam: z.object({ key: id }),
    PutEntry: z.strictObject({
      cache_type: id,
      prompt: text,
      response: text,
      chunk_id: id.nullable().optional(),
      params: metadata.optional(),
    }).openapi("CacheEntryInput"),
    Entry: z.object({
      key: z.string(),
      cache_type: z.string(),
      prompt: z.string(),
      response: z.string(),
      chunk_id: z.string().nullable(),
      params: z.record(z.string(), z.unknown()),
      hits: z.number().int(),
      created_at: z.string(),
      updated_at: z.string(),
    }).openapi("CacheEntry"),
    Delete: z.strictObject({ keys: idList.optional(), cache_type: id.optional() })
      .refine((body) => body.keys !== undefined || body.cache_type !== undefined, {
        message: "name the keys, the cache_type, or both",
        path: ["keys"],
      })
      .openapi("DeleteCacheEntries"),
  };
}
