import { Problem } from "../http/problem.ts";

export interface HostGuardOptions {
  /** Host names (no port) the endpoint answers for; `*` answers for any. */
  allowedHosts: readonly string[];
  /** Whole origins (`https://app.example.com`) allowed besides those on an allowed host. */
  allowedOrigins: readonly string[];
}

/**
 * DNS-rebinding protection for the MCP endpoint. A page on `evil.example` whose name the attacker
 * points at 127.0.0.1 reaches a local server with `Host: evil.example` and that Origin; a local
 * MCP server that answered it would hand the page the user's tools. So the Host must be one the
 * deployment names (loopback by default), and a browser's Origin must be on such a host or listed.
 * Requests without Origin (MCP clients outside browsers) are judged by their Host alone.
 */
export function checkHostAndOrigin(
  headers: Headers,
  { allowedHosts, allowedOrigins }: HostGuardOptions,
): void {
  const anyHost = allowedHosts.includes("*");
  const hosts = new Set(allowedHosts.map((host) => host.toLowerCase()));
  const host = hostName(headers.get("host"));
  if (!anyHost && (host === null || !hosts.has(host))) {
    throw new Problem(
      "forbidden",
      `the MCP endpoint does not answer for host ${JSON.stringify(host ?? "")}; ` +
        "add it to PGRAG_MCP_ALLOWED_HOSTS",
    );
  }
  const origin = headers.get("origin");
  if (origin === null) return;
  const originHost = originHostName(origin);
  const allowed = allowedOrigins.includes(origin) ||
    (originHost !== null && (anyHost || hosts.has(originHost)));
  if (!allowed) {
    throw new Problem(
      "forbidden",
      `the MCP endpoint does not answer pages from ${JSON.stringify(origin)}; ` +
        "add it to PGRAG_MCP_ALLOWED_ORIGINS",
    );
  }
}

/** `localhost:8000` → `localhost`, `[::1]:8000` → `[::1]`; null for what is no host. */
function hostName(value: string | null): string | null {
  if (!value) return null;
  try {
    return new URL(`http://${value}`).hostname.toLowerCase();
  } catch {
    return null;
  }
}

function originHostName(origin: string): string | null {
  try {
    return new URL(origin).hostname.toLowerCase();
  } catch {
    return null;
  }
}
