import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { vi } from "vitest";
import worker from "../../src/index";
import { admin, json } from "./api";

/** Fires the scheduled handler as the cron trigger would, for one scheduled time. */
export async function runCron(scheduledTime: number, overrides: Partial<Cloudflare.Env> = {}) {
  const controller = createScheduledController({ scheduledTime, cron: "* * * * *" });
  const ctx = createExecutionContext();
  await worker.scheduled(controller, { ...env, ...overrides }, ctx);
  await waitOnExecutionContext(ctx);
}

export type TargetBehaviour = { status?: number; body?: string; delayMs?: number } | { throws: string; delayMs?: number } | "hang" | "hang-body" | "refuse";

/**
 * Stands in for the monitored services: every outbound fetch is answered by the behaviour set for its URL
 * (200 "ok" by default), or for its URL as seen from one probe region. "hang" never answers unless the
 * request is aborted; "hang-body" sends headers and then never finishes the body; `throws` makes fetch throw
 * that message (after `delayMs`, as a DNS lookup or a refused connection takes a while), as a runtime does for
 * a failure it words itself. `maxInFlight` is the
 * most requests each region had open at once.
 */
export function fakeTargets() {
  const behaviours = new Map<string, TargetBehaviour>();
  const requests: Request[] = [];
  const inFlight = new Map<string, number>();
  const maxInFlight = new Map<string, number>();
  const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input as RequestInfo, init as RequestInit);
    requests.push(request);
    const region = request.headers.get("beacon-probe-region") ?? "";
    inFlight.set(region, (inFlight.get(region) ?? 0) + 1);
    maxInFlight.set(region, Math.max(maxInFlight.get(region) ?? 0, inFlight.get(region)!));
    try {
      return await answer((init as RequestInit | undefined)?.signal ?? null, behaviours.get(`${region} ${request.url}`) ?? behaviours.get(request.url));
    } finally {
      inFlight.set(region, inFlight.get(region)! - 1);
    }
  });
  return {
    spy,
    requests,
    maxInFlight,
    set: (url: string, behaviour: TargetBehaviour, region?: string) => behaviours.set(region ? `${region} ${url}` : url, behaviour),
  };
}

async function answer(signal: AbortSignal | null, set: TargetBehaviour | undefined): Promise<Response> {
  const behaviour = set ?? { status: 200, body: "ok" };
  if (behaviour === "hang") {
    return new Promise<Response>((_, reject) => signal?.addEventListener("abort", () => reject(signal.reason)));
  }
  if (behaviour === "hang-body") {
    return new Response(new ReadableStream({ start: (c) => c.enqueue(new TextEncoder().encode("partial")) }), { status: 200 });
  }
  if (behaviour === "refuse") throw new TypeError("Network connection lost.");
  if (behaviour.delayMs) await new Promise((resolve) => setTimeout(resolve, behaviour.delayMs));
  if ("throws" in behaviour) throw new Error(behaviour.throws);
  return new Response(behaviour.body ?? "ok", { status: behaviour.status ?? 200 });
}

export const targetUrl = () => `https://svc-${crypto.randomUUID().slice(0, 8)}.example.test/health`;

/** An admin adds an HTTP monitor to a new component; returns the component as the admin API shows it. */
export async function createMonitoredComponent(url: string, monitor: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  const res = await admin("POST", "/api/status/components", {
    name: `Service ${crypto.randomUUID().slice(0, 8)}`,
    monitor: { type: "http", url, timeout_ms: 500, ...monitor },
    ...extra,
  });
  if (res.status !== 201) throw new Error(`create component: ${res.status} ${await res.text()}`);
  return json(res);
}

export const MINUTE = 60_000;
