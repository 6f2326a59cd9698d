import type { Child, FC } from "hono/jsx";
import type { ShownStatus } from "../db/schema";
import { UPTIME_FORMULA } from "../routes/status";
import type { PageInfo } from "../snapshot/types";
import { assets } from "./assets";

export interface LayoutProps {
  page: PageInfo;
  /** The overall status: the favicon's colour. */
  overall: ShownStatus;
  title?: string;
  description?: string;
  /** A page's own stylesheet and script, after the shared ones. */
  extraCss?: string;
  extraJs?: string;
  /** Where the header's Subscribe goes: a page with a subscribe form of its own offers that one. */
  subscribe?: string;
  children?: Child;
}

export const Layout: FC<LayoutProps> = ({ page, overall, title, description, extraCss, extraJs, subscribe = "/#subscribe", children }) => {
  const { paths } = assets();
  const fullTitle = title ? `${title} · ${page.name} status` : `${page.name} status`;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{fullTitle}</title>
        <meta name="description" content={description ?? page.description ?? `Live status, uptime and incident history of ${page.name}.`} />
        <meta name="color-scheme" content="light dark" />
        <link rel="icon" type="image/svg+xml" href={paths.favicon(overall)} />
        <link rel="stylesheet" href={paths.css} />
        <link rel="alternate" type="application/rss+xml" title={`${page.name} status (RSS)`} href="/api/status/rss" />
        <link rel="alternate" type="application/atom+xml" title={`${page.name} status (Atom)`} href="/api/status/atom" />
        {extraCss ? <link rel="stylesheet" href={extraCss} /> : null}
        <script src={paths.js} defer></script>
        {extraJs ? <script src={extraJs} defer></script> : null}
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="top">
          <div class="wrap">
            <a class="brand" href="/">
              {page.logo_url ? <img src={page.logo_url} alt="" /> : null}
              <span>{page.name} status</span>
            </a>
            <nav aria-label="Status page">
              <ul>
                <li>
                  <a href="/">Current status</a>
                </li>
                <li>
                  <a href="/history">History</a>
                </li>
                <li>
                  <a href={subscribe}>Subscribe</a>
                </li>
                <li>
                  <a href="/api/status/rss">RSS</a>
                </li>
              </ul>
            </nav>
          </div>
        </header>
        <main id="main" class="wrap">
          {children}
        </main>
        {/* What the live script says changed (a new incident, an update), read out by screen readers. */}
        <p id="announce" class="sr" role="status" aria-live="polite"></p>
        <footer>
          <div class="wrap">
            <details>
              <summary>How uptime is counted</summary>
              <p>
                From automated checks only: the share of checked time a component was up. An hour of major outage counts as a whole hour down,
                an hour of partial outage as 18 minutes; slow (degraded) time counts as up, and maintenance or time without checks is left
                out. Each day follows the page's time zone.
              </p>
              <p>Exact formula: {UPTIME_FORMULA}.</p>
            </details>
            <p>
              Feeds: <a href="/api/status/rss">RSS</a> · <a href="/api/status/atom">Atom</a> · <a href="/api/status">JSON</a>. Times show in
              your time zone when scripts run, otherwise in {page.time_zone}.
            </p>
          </div>
        </footer>
      </body>
    </html>
  );
};

export const renderDocument = (node: unknown) => `<!DOCTYPE html>${String(node)}`;
