import { app } from "./app";
import type { Bindings } from "./env";
import { runScheduled } from "./cron";
import type { NotifyMessage } from "./notify/messages";
import { handleNotifyBatch } from "./notify/consumer";
import { answerFromKept, keepAnswer } from "./snapshot/respond";

export { StatusHub } from "./live/status-hub";
export { CheckProbe } from "./probes/check-probe";

async function routed(request: Request, env: Bindings, ctx: ExecutionContext) {
  const response = await app.fetch(request, env, ctx);
  const limit = Number(env.KEPT_ANSWER_URLS);
  keepAnswer(request, response, Number.isInteger(limit) && limit > 0 ? limit : undefined);
  return response;
}

export default {
  // A warm public read asked again is answered before routing (see answerFromKept).
  fetch: (request, env, ctx) => answerFromKept(request) ?? routed(request, env, ctx),
  async scheduled(controller, env, ctx) {
    await runScheduled(env, controller.scheduledTime, ctx);
  },
  async queue(batch, env) {
    await handleNotifyBatch(batch, env);
  },
} satisfies ExportedHandler<Bindings, NotifyMessage>;
