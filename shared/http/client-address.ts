import { BlockList, isIP } from "node:net";
import type { Context, MiddlewareHandler } from "hono";
import { getConnInfo } from "hono/deno";

/** `10.0.0.0/8`, `2001:db8::/32` or a bare address (one host) → its parts; null when malformed. */
export function parseCidr(
  cidr: string,
): { address: string; prefix: number; family: "ipv4" | "ipv6" } | null {
  const [address, prefixText, ...rest] = cidr.trim().split("/");
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return null;
  const bits = version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (!/^\d+$/.test(prefixText ?? String(bits)) || prefix > bits) return null;
  return { address, prefix, family: version === 4 ? "ipv4" : "ipv6" };
}

/**
 * Who the client of a request is. X-Forwarded-For is a header anyone can send, so it only counts
 * when the socket's peer is a proxy the operator trusts (`PGRAG_TRUSTED_PROXIES`); then the
 * header is read from the right, each trusted hop skipped, and the first address no trusted proxy
 * vouches for is the client (a client's own X-Forwarded-For entries sit left of it). Without a
 * trusted peer the peer itself is the client.
 */
export function clientAddressResolver(trustedProxies: readonly string[]) {
  const trusted = new BlockList();
  for (const cidr of trustedProxies) {
    const parsed = parseCidr(cidr);
    if (!parsed) throw new TypeError(`not a CIDR: ${cidr}`);
    trusted.addSubnet(parsed.address, parsed.prefix, parsed.family);
  }
  const isTrusted = (address: string) =>
    trustedProxies.length > 0 && trusted.check(address, isIP(address) === 6 ? "ipv6" : "ipv4");

  return function clientAddress(c: Pick<Context, "req" | "env">): string | null {
    const peer = socketPeer(c);
    if (peer === null || !isTrusted(peer)) return peer;
    const hops = (c.req.header("x-forwarded-for") ?? "").split(",").map((hop) => hop.trim());
    let client = peer;
    for (const hop of hops.reverse()) {
      if (!isIP(hop)) break;
      client = hop;
      if (!isTrusted(hop)) break;
    }
    return client;
  };
}

/** The socket's peer as Deno.serve reports it; null where there is no socket (`app.request`). */
function socketPeer(c: Pick<Context, "env">): string | null {
  if (!(c.env as { remoteAddr?: unknown } | undefined)?.remoteAddr) return null;
  const address = getConnInfo(c as Context).remote.address;
  return address && isIP(address) ? address : null;
}

type ClientAddress = ReturnType<typeof clientAddressResolver>;

/** Gives each request `c.var.clientAddress`, which audit rows record. */
export function provideClientAddress(
  resolve: ClientAddress,
): MiddlewareHandler<{ Variables: { clientAddress: ClientAddress } }> {
  return async function provideClientAddress(c, next) {
    c.set("clientAddress", resolve);
    await next();
  };
}
