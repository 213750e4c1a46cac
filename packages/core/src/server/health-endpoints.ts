import { channelLayers } from "../layers/registry";
import { currentMetrics } from "../metrics/metrics";
import type { HttpRequest, HttpResponse } from "./http-versions";

/** How long `/readyz` waits for a layer's `ping()` before calling it not ready. */
export const READY_TIMEOUT_MS = 2_000;

const PATHS = new Set(["/metrics", "/healthz", "/readyz"]);

function respond(res: HttpResponse, status: number, contentType: string, text: string, head: boolean): void {
  const body = Buffer.from(text, "utf8");
  res.writeHead(status, {
    "content-type": contentType,
    "content-length": body.length,
    "cache-control": "no-store",
  });
  if (head) res.end();
  else res.end(body);
}

/** Each registered layer that does not answer `ping()` in time, with why. */
async function unreadyLayers(): Promise<Record<string, string>> {
  const failures: Record<string, string> = {};
  await Promise.all(
    channelLayers.aliases.map(async (alias) => {
      const layer = channelLayers.get(alias);
      if (layer?.ping === undefined) return;
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          layer.ping(),
          new Promise((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`no answer within ${READY_TIMEOUT_MS} ms`)),
              READY_TIMEOUT_MS,
            );
          }),
        ]);
      } catch (error) {
        failures[alias] = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return failures;
}

/**
 * `/metrics` (the Prometheus text of the current `Metrics`, when it can `scrape()`), `/healthz`
 * (the process answers) and `/readyz` (every registered channel layer answers its `ping()`, and
 * the server is not shutting down; else 503). Returns false for any other request, which then goes
 * to the application.
 */
export function serveHealthEndpoint(
  req: HttpRequest,
  res: HttpResponse,
  server: { readonly closing: boolean },
): boolean {
  const url = req.url ?? "";
  const query = url.indexOf("?");
  const path = query === -1 ? url : url.slice(0, query);
  if (!PATHS.has(path) || (req.method !== "GET" && req.method !== "HEAD")) return false;
  const head = req.method === "HEAD";
  const plain = "text/plain; charset=utf-8";
  const fail = (error: unknown) => {
    if (!res.headersSent) respond(res, 500, plain, `${String(error)}\n`, head);
  };
  if (path === "/healthz") respond(res, 200, plain, "ok\n", head);
  else if (path === "/readyz") {
    if (server.closing) respond(res, 503, plain, "shutting down\n", head);
    else
      unreadyLayers().then((failures) => {
        const names = Object.keys(failures);
        if (names.length === 0) respond(res, 200, plain, "ready\n", head);
        else
          respond(
            res,
            503,
            plain,
            names.map((alias) => `layer ${alias}: ${failures[alias]}\n`).join(""),
            head,
          );
      }, fail);
  } else {
    const metrics = currentMetrics();
    if (metrics.scrape === undefined)
      respond(
        res,
        404,
        plain,
        "No metrics backend that can be scraped: pass serve({ metrics: new PrometheusMetrics() }).\n",
        head,
      );
    else metrics.scrape().then(({ contentType, body }) => respond(res, 200, contentType, body, head), fail);
  }
  return true;
}
