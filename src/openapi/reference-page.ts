import type { openApiDocument } from "./document";

// A readable, self-contained reference rendered on the server from the OpenAPI document: no scripts, no
// CDN, one inline stylesheet allowed by its hash.

type Document = ReturnType<typeof openApiDocument>;
type Operation = Document["paths"][string][string] & Record<string, any>;

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!);

/** Escaped text with `backtick` spans shown as code, the one bit of markup the descriptions use. */
const prose = (text: string) => escapeHtml(text).replace(/`([^`]+)`/g, "<code>$1</code>");

export const REFERENCE_CSS = `body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:960px;padding:1.5rem;color:#1f2328}
h1{font-size:1.6rem}h2{margin-top:2.5rem;border-bottom:1px solid #d0d7de}
.op{border:1px solid #d0d7de;border-radius:6px;margin:1rem 0;padding:.75rem 1rem}
.m{display:inline-block;min-width:4.5rem;font:600 12px monospace;text-transform:uppercase;padding:2px 6px;border-radius:4px;color:#fff;text-align:center}
.get{background:#1f6feb}.post{background:#1a7f37}.patch{background:#9a6700}.put{background:#8250df}.delete{background:#cf222e}
code,pre{font-family:ui-monospace,monospace;font-size:13px}pre{background:#f6f8fa;padding:.5rem;overflow:auto;border-radius:4px}
.lock{font-size:12px;color:#9a6700;margin-left:.5rem}table{border-collapse:collapse}td,th{border:1px solid #d0d7de;padding:2px 8px;text-align:left}
td,.op>code{overflow-wrap:anywhere}.lock{display:inline-block}`;

function resolveRef(doc: Document, ref: string): any {
  return ref
    .slice(2)
    .split("/")
    .reduce<any>((node, key) => node?.[key], doc);
}

function operationHtml(doc: Document, method: string, path: string, op: Operation): string {
  const params = (op.parameters ?? []) as { name: string; in: string; required: boolean; schema: unknown }[];
  const paramRows = params
    .map((p) => `<tr><td><code>${escapeHtml(p.name)}</code></td><td>${p.in}</td><td>${p.required ? "yes" : "no"}</td><td><code>${escapeHtml(JSON.stringify(p.schema))}</code></td></tr>`)
    .join("");
  const [bodyType, bodyContent] = Object.entries<any>(op.requestBody?.content ?? {})[0] ?? [];
  const bodyRef = bodyContent?.schema?.$ref as string | undefined;
  const body = bodyRef ? `<p>Request body (<code>${escapeHtml(bodyType!)}</code>):</p><pre>${escapeHtml(JSON.stringify(resolveRef(doc, bodyRef), null, 2))}</pre>` : "";
  const responses = Object.entries(op.responses as Record<string, any>)
    .map(([status, r]) => {
      const response = r.$ref ? resolveRef(doc, r.$ref) : r;
      const types = Object.keys(response.content ?? {}).join(", ");
      return `<li><code>${status}</code> ${prose(response.description)}${types ? ` <small>(${escapeHtml(types)})</small>` : ""}</li>`;
    })
    .join("");
  return `<div class="op" id="${escapeHtml(op.operationId)}"><span class="m ${method}">${method}</span> <code>${escapeHtml(path)}</code>${
    op.security.length ? `<span class="lock">admin: Authorization: Bearer &lt;Clerk session&gt;</span>` : ""
  }<p>${prose(op.summary)}</p>${op.description ? `<p>${prose(op.description)}</p>` : ""}${paramRows ? `<table><tr><th>parameter</th><th>in</th><th>required</th><th>schema</th></tr>${paramRows}</table>` : ""}${body}<ul>${responses}</ul></div>`;
}

export function referencePage(doc: Document): string {
  const sections = doc.tags
    .map(({ name }) => {
      const ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
        Object.entries(methods)
          .filter(([, op]) => (op as Operation).tags[0] === name)
          .map(([method, op]) => operationHtml(doc, method, path, op as Operation)),
      );
      return `<h2 id="${escapeHtml(name)}">${escapeHtml(name)}</h2>${ops.join("")}`;
    })
    .join("");
  const toc = doc.tags.map(({ name }) => `<a href="#${escapeHtml(name)}">${escapeHtml(name)}</a>`).join(" · ");
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(doc.info.title)}</title><style>${REFERENCE_CSS}</style></head><body><h1>${escapeHtml(doc.info.title)}</h1><p>${prose(doc.info.description)}</p><p>Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI ${doc.openapi}).</p><nav>${toc}</nav>${sections}</body></html>`;
}
