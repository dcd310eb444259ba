import { z } from "@hono/zod-openapi";
import type { Config } from "../config.ts";
import { AUDIT_ACTIONS } from "../http/audit.ts";
import { count32, fieldSchemas } from "./fields.ts";

/** Money in USD as the ledger stores it: up to 8 integer digits, rounded to 6 decimals. */
const usd = z.number().min(0).max(99_999_999);

/** RFC 3339 with an offset; a bare date or local time would be read in someone's time zone. */
const instant = z.iso.datetime({ offset: true }).openapi({ example: "2026-11-01T00:00:00Z" });

/** API §8: usage and costs, statistics, audit. */
export function governanceSchemas(config: Config) {
  const { metadata } = fieldSchemas(config.limits);
  const label = (max: number) => z.string().trim().min(1).max(max);

  const Usage = z.strictObject({
    model_name: label(200).openapi({ example: "gpt-4o-mini" }),
    provider: label(100).openapi({ example: "openai" }),
    input_tokens: count32,
    output_tokens: count32,
    input_cost: usd.openapi({ example: 0.00015 }),
    output_cost: usd.openapi({ example: 0.0006 }),
    operation: label(100).optional().openapi({ example: "generate" }),
    metadata: metadata.optional(),
  }).openapi("Usage");

  const BudgetStatus = z.enum(["ok", "warning", "exceeded"]);
  const RecordedUsage = z.object({
    id: z.string().uuid(),
    total_tokens: z.number().int(),
    total_cost: z.number(),
    month_to_date_cost: z.number(),
    budget_usd: z.number().nullable(),
    budget_status: BudgetStatus.openapi({
      description: "warning from 80% of the monthly budget, exceeded from 100%",
    }),
  }).openapi("RecordedUsage");

  const SummaryQuery = z.object({
    from: instant.optional().openapi({ description: "Default: the start of this month (UTC)" }),
    to: instant.optional().openapi({ description: "Exclusive. Default: now" }),
    group_by: z.enum(["model", "day", "operation"]).default("model"),
  });
  const UsageSummary = z.object({
    items: z.array(z.object({
      key: z.string().nullable().openapi({ description: "null: calls without an operation" }),
      operations: z.number().int(),
      total_tokens: z.number().int(),
      total_cost: z.number(),
    })),
  }).openapi("UsageSummary");

  const Statistics = z.object({
    tenant_id: z.string().uuid(),
    document_count: z.number().int(),
    chunk_count: z.number().int(),
    embedded_chunks: z.number().int(),
    total_size_mb: z.number(),
    last_document_created: z.string().nullable(),
    monthly_cost: z.number(),
    refreshed_at: z.string().nullable().openapi({
      description: "When tenant_statistics was last refreshed; null: never",
    }),
  }).openapi("TenantStatistics");

  const AuditQuery = z.object({
    action: z.enum(AUDIT_ACTIONS).optional(),
    from: instant.optional(),
    to: instant.optional().openapi({ description: "Exclusive" }),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().min(1).max(2048).optional(),
  });
  const AuditEntry = z.object({
    id: z.string().uuid(),
    timestamp: z.string(),
    user_id: z.string().openapi({ description: "api_key:<id> or user:<JWT sub>" }),
    action: z.string(),
    resource: z.string().nullable(),
    resource_id: z.string().nullable(),
    success: z.boolean(),
    error_message: z.string().nullable(),
    duration_ms: z.number().int().nullable(),
    details: z.record(z.string(), z.unknown()),
  }).openapi("AuditEntry");
  const AuditPage = z.object({ items: z.array(AuditEntry), next_cursor: z.string().nullable() });

  return {
    Usage,
    RecordedUsage,
    SummaryQuery,
    UsageSummary,
    Statistics,
    AuditQuery,
    AuditEntry,
    AuditPage,
  };
}
