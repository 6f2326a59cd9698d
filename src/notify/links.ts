import type { Bindings } from "../env";

export const pageUrl = (env: Bindings) => (env.PAGE_URL || "http://localhost:8787").replace(/\/+$/, "");

/** A link under the public subscription routes carrying a token (confirm, manage, unsubscribe). */
export const subscriptionLink = (env: Bindings, action: "confirm" | "manage" | "unsubscribe", token: string) =>
  `${pageUrl(env)}/api/status/subscriptions/${action}?token=${encodeURIComponent(token)}`;
