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
  const hostHeader = headers.get("host");
  const host = hostHeader ? hostNameOf(`http://${hostHeader}`) : null;
  if (!anyHost && (host === null || !hosts.has(host))) {
    throw new Problem(
      "forbidden",
      `the MCP endpoint does not answer for host ${JSON.stringify(host ?? "")}; ` +
        "add it to PGRAG_MCP_ALLOWED_HOSTS",
    );
  }
  const origin = headers.get("origin");
  if (origin === null) return;
  const originHost = hostNameOf(origin);
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

/**
 * The lower-cased host name of a URL, or null when it does not parse. A Host header
 * (`localhost:8000`, `[::1]:8000`) is read as `http://` plus the header; an Origin as it is.
 */
function hostNameOf(url: string): string | null {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return null;
  }
}
