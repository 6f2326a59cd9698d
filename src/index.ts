import { app } from "./app";
import type { Bindings } from "./env";
import { runScheduled } from "./cron";
import type { NotifyMessage } from "./notify/messages";
import { handleNotifyBatch } from "./notify/consumer";

export { StatusHub } from "./live/status-hub";
export { CheckProbe } from "./probes/check-probe";

export default {
  fetch: app.fetch,
  async scheduled(controller, env, ctx) {
    await runScheduled(env, controller.scheduledTime, ctx);
  },
  async queue(batch, env) {
    await handleNotifyBatch(batch, env);
  },
} satisfies ExportedHandler<Bindings, NotifyMessage>;
