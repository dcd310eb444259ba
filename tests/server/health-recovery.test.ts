import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../shared/app.ts";
import { parseConfig } from "../../shared/config.ts";
import { openTestDatabase, proxyTarget, type TestDatabase } from "../support/database.ts";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.ts";

describe("GET /health across a database outage", () => {
  let proxy: TcpProxy;
  let test: TestDatabase;

  beforeAll(async () => {
    proxy = startTcpProxy(proxyTarget());
    test = await openTestDatabase({ via: { hostname: "127.0.0.1", port: proxy.port } });
  });
  afterAll(async () => {
    await test.close();
    await proxy.close();
  });

  it("answers 503 within seconds of the outage and 200 again once it ends, without a restart", async () => {
    const app = createApp({
      config: parseConfig({ PGRAG_HEALTH_TIMEOUT_MS: "2000" }),
      database: () => Promise.resolve(test.db),
    });
    const health = async () => {
      const response = await app.request("/rag/v1/health");
      return { status: response.status, body: await response.json() };
    };
    expect(await health()).toMatchObject({ status: 200, body: { status: "ok", db: "ok" } });

    proxy.cut();
    const started = performance.now();
    const down = await health();
    expect(down).toMatchObject({ status: 503, body: { status: "degraded", db: "error" } });
    expect(performance.now() - started).toBeLessThan(3_000);

    proxy.restore();
    let up = await health();
    for (let attempt = 0; attempt < 20 && up.status !== 200; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      up = await health();
    }
    expect(up).toMatchObject({ status: 200, body: { status: "ok", db: "ok" } });
  });
});
