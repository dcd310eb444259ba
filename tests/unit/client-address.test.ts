import { describe, expect, it } from "vitest";
import { clientAddressResolver, parseCidr } from "../../shared/http/client-address.ts";
import { ConfigError, parseConfig } from "../../shared/config.ts";

/** What the resolver reads of a request: its socket's peer and its X-Forwarded-For. */
const request = (peer: string | null, forwardedFor?: string) => ({
  req: {
    header: (name: string) => name === "x-forwarded-for" ? forwardedFor : undefined,
  } as never,
  env: peer === null ? undefined : { remoteAddr: { hostname: peer, port: 1, transport: "tcp" } },
});

describe("clientAddressResolver()", () => {
  const behindProxy = clientAddressResolver(["10.0.0.0/8", "fd00::/8"]);

  it("takes the socket's peer, and ignores X-Forwarded-For from an untrusted one", () => {
    const direct = clientAddressResolver([]);
    expect(direct(request("198.51.100.4", "203.0.113.7"))).toBe("198.51.100.4");
    expect(behindProxy(request("198.51.100.4", "203.0.113.7"))).toBe("198.51.100.4");
  });

  it("behind a trusted proxy, takes the last address no trusted proxy vouches for", () => {
    expect(behindProxy(request("10.1.2.3", "203.0.113.7"))).toBe("203.0.113.7");
    // A client's own entries sit left of what its proxies appended: they are not believed.
    expect(behindProxy(request("10.1.2.3", "192.0.2.66, 203.0.113.7, 10.9.9.9"))).toBe(
      "203.0.113.7",
    );
    expect(behindProxy(request("fd00::1", "2001:db8::5"))).toBe("2001:db8::5");
  });

  it("stops at an entry that is not an address, and answers the peer without a header", () => {
    expect(behindProxy(request("10.1.2.3", "203.0.113.7, nonsense"))).toBe("10.1.2.3");
    expect(behindProxy(request("10.1.2.3"))).toBe("10.1.2.3");
  });

  it("has no address where there is no socket (an in-process request)", () => {
    expect(behindProxy(request(null, "203.0.113.7"))).toBeNull();
  });
});

describe("parseCidr() and PGRAG_TRUSTED_PROXIES", () => {
  it("reads CIDRs and bare addresses, and refuses anything else", () => {
    expect(parseCidr("10.0.0.0/8")).toEqual({ address: "10.0.0.0", prefix: 8, family: "ipv4" });
    expect(parseCidr("::1")).toEqual({ address: "::1", prefix: 128, family: "ipv6" });
    for (const bad of ["10.0.0.0/33", "10.0.0.0/", "10.0.0/8", "::/129", "10.0.0.0/8/1", "x"]) {
      expect(parseCidr(bad), bad).toBeNull();
    }
  });

  it("is a comma-separated list in the configuration, checked at start", () => {
    expect(parseConfig({ PGRAG_TRUSTED_PROXIES: "10.0.0.0/8, ::1" }).trustedProxies).toEqual([
      "10.0.0.0/8",
      "::1",
    ]);
    expect(parseConfig({}).trustedProxies).toEqual([]);
    expect(() => parseConfig({ PGRAG_TRUSTED_PROXIES: "10.0.0.0/8,everyone" })).toThrow(
      ConfigError,
    );
  });
});
