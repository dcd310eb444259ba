import puppeteer, { type Browser } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestApi, type TestApi } from "../support/api.ts";

// The reference page in a real browser (Debian's chromium, headless), served as Supabase serves
// the function: under a /functions/v1 prefix the app never sees. Requests to anywhere but this
// server are refused, so the page must work with the network cut.
const PREFIX = "/functions/v1";
const SCREENSHOT = new URL("../../test-artifacts/reference-page.png", import.meta.url);

let api: TestApi;
let server: Deno.HttpServer<Deno.NetAddr>;
let browser: Browser;
let origin: string;

beforeAll(async () => {
  api = await openTestApi();
  const stored = await api.request("POST", "/documents", {
    body: { documents: [{ id: "tides", content: "The Moon's gravity raises the tides." }] },
  });
  expect(stored.status).toBe(200);
  server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const url = new URL(request.url);
    if (!url.pathname.startsWith(PREFIX)) return new Response("not here", { status: 404 });
    url.pathname = url.pathname.slice(PREFIX.length);
    return api.app.fetch(new Request(url, request));
  });
  origin = `http://127.0.0.1:${server.addr.port}`;
  browser = await puppeteer.launch({
    executablePath: Deno.env.get("PGRAG_TEST_CHROMIUM") ?? "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.shutdown();
  await api?.close();
});

describe("the reference page in headless Chromium", () => {
  it("lists the operations offline and runs a search with Try it out", async () => {
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 1800 });
    const elsewhere: string[] = [];
    const failures: string[] = [];
    await page.setRequestInterception(true);
    page.on("request", (request) => {
      const url = request.url();
      if (url.startsWith(origin) || url.startsWith("data:")) request.continue();
      else {
        elsewhere.push(url);
        request.abort();
      }
    });
    page.on("pageerror", (error) => failures.push(String(error)));
    page.on("response", (response) => {
      if (response.status() >= 400) failures.push(`${response.status()} ${response.url()}`);
    });
    page.on("console", (message) => {
      // A CSP refusal or a missing script shows up here first.
      if (message.type() === "error") failures.push(message.text());
    });

    const loaded = await page.goto(`${origin}${PREFIX}/rag/v1/docs`, { waitUntil: "load" });
    expect(loaded?.status()).toBe(200);
    await page.waitForSelector("#operations-search-searchChunks", { timeout: 20_000 });
    const operations = await page.$$eval(".opblock", (blocks) => blocks.length);
    expect(operations).toBeGreaterThanOrEqual(40);

    // The key as Swagger UI's own Authorize dialog stores it.
    const key = api.keys.reader;
    await page.evaluate((value) => {
      (globalThis as unknown as { ui: { preauthorizeApiKey(n: string, v: string): void } }).ui
        .preauthorizeApiKey("ApiKey", value);
    }, key);
    await page.click("#operations-search-searchChunks .opblock-summary-control");
    await page.waitForSelector("#operations-search-searchChunks .try-out__btn");
    await page.click("#operations-search-searchChunks .try-out__btn");
    const body = await page.waitForSelector(
      "#operations-search-searchChunks textarea.body-param__text",
    );
    await body!.click();
    await page.keyboard.down("Control");
    await page.keyboard.press("A");
    await page.keyboard.up("Control");
    await page.keyboard.press("Backspace");
    await body!.type('{"query": "tides", "mode": "keyword", "top_k": 3}');
    await page.click("#operations-search-searchChunks .execute");
    const status = await page.waitForSelector(
      "#operations-search-searchChunks .live-responses-table tr.response .response-col_status",
      { timeout: 20_000 },
    );
    expect(await status!.evaluate((cell) => cell.textContent?.trim())).toBe("200");
    const answer = await page.$eval(
      "#operations-search-searchChunks .live-responses-table tr.response .response-col_description pre",
      (pre) => pre.textContent ?? "",
    );
    expect(JSON.parse(answer).results[0]).toMatchObject({ document_id: "tides" });

    await Deno.mkdir(new URL(".", SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT.pathname as `${string}.png` });
    expect(elsewhere).toEqual([]);
    expect(failures).toEqual([]);
  }, 90_000);
});
