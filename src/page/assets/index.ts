import { SHOWN_STATUSES, type ShownStatus } from "../../db/schema";
import { componentScript } from "./component";
import { COMPONENT_CSS } from "./component-style";
import { liveScript } from "./live";
import { STYLE_CSS } from "./style";
import { fnv1a } from "../../http/hash";

// Static assets are served under a name that carries a hash of their content, so browsers and the CDN may
// keep them for a year: a new deploy that changes one changes its URL.

export interface Asset {
  body: string;
  contentType: string;
}

/** The favicon: a disc in the overall status colour (the banner's colours, which read well on any tab bar). */
export const FAVICON_COLOURS: Record<ShownStatus, string> = {
  operational: "#1a7f37",
  degraded: "#bf8700",
  partial_outage: "#bc4c00",
  major_outage: "#cf222e",
  under_maintenance: "#0969da",
};

export const faviconSvg = (status: ShownStatus) =>
  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><circle cx="16" cy="16" r="14" fill="${FAVICON_COLOURS[status]}"/><circle cx="16" cy="16" r="6" fill="#fff"/></svg>`;

/** Drops indentation, whole-line comments and blank lines: the script has no multi-line strings, so this is safe and saves a fifth. */
const compact = (source: string) => source.replace(/^[ \t]+/gm, "").replace(/^\/\/.*\n/gm, "").replace(/\n{2,}/g, "\n");

interface Built {
  byPath: Map<string, Asset>;
  paths: { css: string; js: string; componentCss: string; componentJs: string; favicon: (status: ShownStatus) => string };
}

// Built on first use inside a request (never at module load), then kept for the isolate's life.
let built: Built | null = null;

export function assets(): Built {
  if (built) return built;
  const byPath = new Map<string, Asset>();
  const add = (name: string, ext: string, asset: Asset, hash = fnv1a(asset.body)) => {
    const path = `/assets/${name}.${hash}.${ext}`;
    byPath.set(path, asset);
    return path;
  };
  const css = add("style", "css", { body: STYLE_CSS, contentType: "text/css; charset=utf-8" });
  const js = add("live", "js", { body: compact(liveScript()), contentType: "text/javascript; charset=utf-8" });
  // The component page's charts and table: only that page loads them, so the home page stays small.
  const componentCss = add("component", "css", { body: COMPONENT_CSS, contentType: "text/css; charset=utf-8" });
  const componentJs = add("component", "js", { body: compact(componentScript()), contentType: "text/javascript; charset=utf-8" });
  // One hash for every colour, so the script can switch the icon by swapping the status in its name.
  const faviconHash = fnv1a(SHOWN_STATUSES.map(faviconSvg).join(""));
  const favicons = new Map<ShownStatus, string>();
  for (const status of SHOWN_STATUSES) {
    favicons.set(status, add(`favicon-${status}`, "svg", { body: faviconSvg(status), contentType: "image/svg+xml" }, faviconHash));
  }
  built = { byPath, paths: { css, js, componentCss, componentJs, favicon: (status) => favicons.get(status)! } };
  return built;
}
