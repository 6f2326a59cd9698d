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

export type TargetBehaviour = { status?: number; body?: string; delayMs?: number } | "hang" | "hang-body" | "refuse";

/**
 * Stands in for the monitored services: every outbound fetch is answered by the behaviour set for its URL
 * (200 "ok" by default). "hang" never answers unless the request is aborted; "hang-body" sends headers
 * and then never finishes the body.
 */
export function fakeTargets() {
  const behaviours = new Map<string, TargetBehaviour>();
  const requests: Request[] = [];
  const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input as RequestInfo, init as RequestInit);
    requests.push(request);
    const signal = (init as RequestInit | undefined)?.signal ?? null;
    const behaviour = behaviours.get(request.url) ?? { status: 200, body: "ok" };
    if (behaviour === "hang") {
      return new Promise<Response>((_, reject) => signal?.addEventListener("abort", () => reject(signal.reason)));
    }
    if (behaviour === "hang-body") {
      return new Response(new ReadableStream({ start: (c) => c.enqueue(new TextEncoder().encode("partial")) }), { status: 200 });
    }
    if (behaviour === "refuse") throw new TypeError("Network connection lost.");
    if (behaviour.delayMs) await new Promise((resolve) => setTimeout(resolve, behaviour.delayMs));
    return new Response(behaviour.body ?? "ok", { status: behaviour.status ?? 200 });
  });
  return {
    spy,
    requests,
    set: (url: string, behaviour: TargetBehaviour) => behaviours.set(url, behaviour),
  };
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
