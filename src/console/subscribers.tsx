import type { FC } from "hono/jsx";
import { mayRetryDelivery, type undeliveredDeliveries } from "../db/queries/console";
import type { SubscriberRow } from "../db/queries/subscriptions";
import { CHANNELS, DELIVERY_STATUSES, SUBSCRIBER_STATUSES } from "../db/schema";
import { Time } from "../page/parts";
import type { PageInfo } from "../snapshot/types";
import { Flash } from "./dashboard";
import { ConsoleLayout, Csrf, type ConsoleContext } from "./layout";

type Counts = { channel: string; status: string; count: number }[];
type DeliveryRow = Awaited<ReturnType<typeof undeliveredDeliveries>>[number];

/** Deliveries not yet sent (and not yet tried: those that were are listed as retrying). */
const waiting = (counts: Counts) => counts.filter((c) => c.status === "pending" || c.status === "sending").reduce((n, c) => n + c.count, 0);

const CountTable: FC<{ caption: string; counts: Counts; statuses: readonly string[] }> = ({ caption, counts, statuses }) => {
  const get = (channel: string, status: string) => counts.find((c) => c.channel === channel && c.status === status)?.count ?? 0;
  return (
    <div class="scroll">
      <table>
        <caption class="hint">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Channel</th>
            {statuses.map((s) => (
              <th scope="col" class="num">
                {s}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {CHANNELS.map((channel) => (
            <tr>
              <th scope="row">{channel}</th>
              {statuses.map((s) => (
                <td class="num">{get(channel, s)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
};

export const SubscribersPage: FC<{
  ctx: ConsoleContext;
  page: PageInfo;
  subscriberCounts: Counts;
  deliveryCounts: Counts;
  query: string;
  found: SubscriberRow[] | null;
  undelivered: DeliveryRow[];
  flash?: string | null;
}> = ({ ctx, page, subscriberCounts, deliveryCounts, query, found, undelivered, flash }) => (
  <ConsoleLayout ctx={ctx} title="Subscribers">
    <h1>Subscribers and deliveries</h1>
    <Flash text={flash} />
    <div id="counts" data-live class="grid">
      <section class="card pad" aria-labelledby="sc-h">
        <h2 id="sc-h">Subscribers</h2>
        <CountTable caption="Subscribers by channel and state" counts={subscriberCounts} statuses={SUBSCRIBER_STATUSES} />
      </section>
      <section class="card pad" aria-labelledby="dc-h">
        <h2 id="dc-h">Deliveries</h2>
        <CountTable caption="Deliveries by channel and state" counts={deliveryCounts} statuses={DELIVERY_STATUSES} />
      </section>
    </div>
    <section aria-labelledby="find-h">
      <h2 id="find-h">Find a subscriber</h2>
      <form class="f" method="get" action="/admin/subscribers" role="search">
        <div class="row">
          <div class="field">
            <label for="q">Address contains</label>
            <input type="search" id="q" name="q" value={query} maxlength={254} />
          </div>
          <button type="submit">Find</button>
        </div>
      </form>
      {found ? (
        found.length ? (
          <div class="scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Address</th>
                  <th scope="col">Channel</th>
                  <th scope="col">State</th>
                  <th scope="col">Since</th>
                  <th scope="col">
                    <span class="skip">Remove</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {found.map((s) => (
                  <tr>
                    <td class="addr">{s.address}</td>
                    <td>{s.channel}</td>
                    <td>{s.status}</td>
                    <td>
                      <Time ms={s.createdAt} page={page} />
                    </td>
                    <td>
                      <form method="post" autocomplete="off" action={`/admin/subscribers/${s.id}/delete`} data-confirm={`Remove ${s.address}?`}>
                        <Csrf ctx={ctx} />
                        <input type="hidden" name="q" value={query} />
                        <button type="submit" class="danger" aria-label={`Remove ${s.address}`}>
                          Remove
                        </button>
                      </form>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p class="muted">No subscriber's address contains that.</p>
        )
      ) : null}
    </section>
    <section id="undelivered" aria-labelledby="und-h">
      <h2 id="und-h">Failed, dead-lettered and retrying deliveries</h2>
      {undelivered.length ? (
        <div class="scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">To</th>
                <th scope="col">Subject</th>
                <th scope="col">State</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last error</th>
                <th scope="col">
                  <span class="skip">Retry</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {undelivered.map((d) => (
                <tr>
                  <td class="addr">
                    {d.recipient} <span class="hint">({d.channel})</span>
                  </td>
                  <td>{d.subject}</td>
                  <td>{d.status === "pending" ? "retrying" : d.status}</td>
                  <td class="num">{d.attempts}</td>
                  <td>{d.lastError}</td>
                  <td>
                    {mayRetryDelivery(d.status) ? (
                      <form method="post" autocomplete="off" action={`/admin/deliveries/${d.id}/retry`}>
                        <Csrf ctx={ctx} />
                        <button type="submit" class="secondary" aria-label={`Retry the delivery to ${d.recipient}`}>
                          Retry
                        </button>
                      </form>
                    ) : (
                      <span class="hint">retried by the queue</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p class="muted">{waiting(deliveryCounts) ? `None failed; ${waiting(deliveryCounts)} waiting to go out.` : "Every delivery went out."}</p>
      )}
    </section>
  </ConsoleLayout>
);
