/**
 * Structured logs, one JSON object a line. Never pass SQL parameters or request bodies here:
 * they carry tenants' documents.
 */
export function logError(event: string, fields: Record<string, unknown>): void {
  console.error(
    JSON.stringify({ level: "error", event, time: new Date().toISOString(), ...fields }),
  );
}

export function logInfo(event: string, fields: Record<string, unknown>): void {
  console.log(JSON.stringify({ level: "info", event, time: new Date().toISOString(), ...fields }));
}
