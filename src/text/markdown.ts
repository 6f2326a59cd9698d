// The small Markdown subset incident text may use: paragraphs (a single newline is a line break), "-"/"*"
// and "1." lists, **strong**, *emphasis* or _emphasis_, `inline code`, [links](https://...) and bare
// http(s) URLs. Written by hand so that nothing else can pass: every character of the input leaves escaped
// unless it is one of these markers, no raw HTML is ever copied, and links go only to http(s) and mailto.
// Scanning is linear (no backtracking regular expressions), so hostile input cannot make it slow.

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => ESCAPES[ch]!);

const LINK_PROTOCOLS = new Set(["http:", "https:", "mailto:"]);

/** A safe href, or null: an absolute http(s)/mailto URL, normalised by the URL parser (which percent-encodes quotes). */
export function safeHref(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return null;
  }
  return LINK_PROTOCOLS.has(url.protocol) ? url.href : null;
}

const anchor = (href: string, inner: string) =>
  `<a href="${escapeHtml(href)}"${href.startsWith("mailto:") ? "" : ' rel="nofollow noopener noreferrer"'}>${inner}</a>`;

/**
 * indexOf that remembers which needles are absent from a position on: once a search fails, later ones
 * (which start further right) would fail too, so a text full of unmatched markers stays linear.
 */
function finder(text: string) {
  const absentFrom = new Map<string, number>();
  return (needle: string, from: number) => {
    const absent = absentFrom.get(needle);
    if (absent !== undefined && from >= absent) return -1;
    const at = text.indexOf(needle, from);
    if (at < 0) absentFrom.set(needle, from);
    return at;
  };
}

/** The longest link target looked through for its closing parenthesis, so unclosed ones stay cheap. */
const MAX_TARGET_CHARS = 2048;

/**
 * Where a link's target that starts at `from` ends: the ")" that balances its parentheses, as in
 * `[x](https://en.wikipedia.org/wiki/X_(y))` or `[x](javascript:alert(1))`; -1 when there is none.
 */
function targetEnd(text: string, from: number): number {
  let depth = 0;
  for (let j = from; j < text.length && j < from + MAX_TARGET_CHARS; j++) {
    const ch = text[j];
    if (ch === "\\") j++;
    else if (ch === "(") depth++;
    else if (ch === ")" && depth-- === 0) return j;
  }
  return -1;
}

/** Inline markup of one line of text; depth bounds nesting (emphasis inside a link inside strong...). */
function inline(text: string, depth = 0, links = true): string {
  const find = finder(text);
  let out = "";
  let plain = "";
  let noUrlBefore = 0;
  const flush = () => {
    out += escapeHtml(plain);
    plain = "";
  };
  for (let i = 0; i < text.length; ) {
    const ch = text[i]!;
    if (ch === "\\" && i + 1 < text.length && "\\`*_[]()".includes(text[i + 1]!)) {
      plain += text[i + 1];
      i += 2;
      continue;
    }
    if (ch === "`") {
      const end = find("`", i + 1);
      if (end > i + 1) {
        flush();
        out += `<code>${escapeHtml(text.slice(i + 1, end))}</code>`;
        i = end + 1;
        continue;
      }
    }
    if (depth < 3 && (ch === "*" || ch === "_")) {
      const strong = text[i + 1] === ch;
      const marker = strong ? ch + ch : ch;
      const start = i + marker.length;
      // Not a marker when followed by a space (a bullet, "2 * 3") or, for "_", inside a word (snake_case).
      const opens = start < text.length && text[start] !== " " && !(ch === "_" && i > 0 && /\w/.test(text[i - 1]!));
      const end = opens ? find(marker, start + 1) : -1;
      if (end > start && text[end - 1] !== " " && !(ch === "_" && /\w/.test(text[end + marker.length] ?? ""))) {
        flush();
        const tag = strong ? "strong" : "em";
        out += `<${tag}>${inline(text.slice(start, end), depth + 1, links)}</${tag}>`;
        i = end + marker.length;
        continue;
      }
    }
    if (ch === "[" && links && depth < 3) {
      const close = find("](", i + 1);
      const paren = close > i ? targetEnd(text, close + 2) : -1;
      if (close > i + 1 && paren > close + 2 && !text.slice(i + 1, close).includes("[")) {
        const href = safeHref(text.slice(close + 2, paren));
        const label = text.slice(i + 1, close);
        flush();
        // A link to anywhere else (javascript:, data:, a relative path) keeps its words and loses the link.
        out += href ? anchor(href, inline(label, depth + 1, false)) : inline(label, depth + 1, links);
        i = paren + 1;
        continue;
      }
    }
    if (links && i >= noUrlBefore && (ch === "h" || ch === "H") && /^https?:\/\//i.test(text.slice(i, i + 8)) && (i === 0 || /[\s(]/.test(text[i - 1]!))) {
      let end = i;
      while (end < text.length && !/[\s<>"]/.test(text[end]!)) end++;
      // Trailing punctuation ends a sentence, not the URL; a ")" too, unless it closes a "(" of the URL's own
      // (https://en.wikipedia.org/wiki/X_(y)). Counted once, so a run of brackets stays linear.
      let unclosed = 0;
      for (let j = i; j < end; j++) unclosed += text[j] === ")" ? 1 : text[j] === "(" ? -1 : 0;
      while (end > i && (/[.,;:!?'\]]/.test(text[end - 1]!) || (text[end - 1] === ")" && unclosed > 0))) {
        if (text[end - 1] === ")") unclosed--;
        end--;
      }
      const href = safeHref(text.slice(i, end));
      if (href) {
        flush();
        out += anchor(href, escapeHtml(text.slice(i, end)));
        i = end;
        continue;
      }
      // Not a URL: no other starts inside what was scanned (a scan per "http" in one long run would make the
      // line quadratic); its characters go on to be read as text and markup.
      noUrlBefore = end;
    }
    plain += ch;
    i++;
  }
  flush();
  return out;
}

const BULLET = /^\s{0,3}[-*+]\s+(.*)$/;
const NUMBERED = /^\s{0,3}(\d{1,9})[.)]\s+(.*)$/;

type Run = { kind: "p"; lines: string[] } | { kind: "ul" | "ol"; start: number; items: string[][] };

/** One block (text between blank lines) as paragraphs and lists, in the order they are written. */
function runs(lines: string[]): Run[] {
  const out: Run[] = [];
  for (const line of lines) {
    const bullet = BULLET.exec(line);
    const numbered = bullet ? null : NUMBERED.exec(line);
    const last = out.at(-1);
    if (bullet || numbered) {
      const kind = bullet ? "ul" : "ol";
      const text = bullet ? bullet[1]! : numbered![2]!;
      if (last && last.kind === kind) last.items.push([text]);
      else out.push({ kind, start: numbered ? Number(numbered[1]) : 1, items: [[text]] });
    } else if (last && last.kind !== "p" && /^\s+\S/.test(line)) {
      // An indented line continues the list item above it.
      last.items.at(-1)!.push(line.trim());
    } else if (last && last.kind === "p") {
      last.lines.push(line);
    } else {
      out.push({ kind: "p", lines: [line] });
    }
  }
  return out;
}

const lineBreaks = (lines: string[]) => lines.map((l) => inline(l.trim())).join("<br>");

/** Text as its author wrote it, as safe HTML. Empty text gives an empty string. */
export function renderMarkdown(text: string): string {
  const blocks = text
    .replace(/\r\n?/g, "\n")
    .split(/\n[ \t]*\n/)
    .map((b) => b.split("\n").filter((l) => l.trim() !== ""))
    .filter((b) => b.length);
  let html = "";
  for (const block of blocks) {
    for (const run of runs(block)) {
      if (run.kind === "p") html += `<p>${lineBreaks(run.lines)}</p>`;
      else {
        const start = run.kind === "ol" && run.start !== 1 ? ` start="${run.start}"` : "";
        html += `<${run.kind}${start}>${run.items.map((item) => `<li>${lineBreaks(item)}</li>`).join("")}</${run.kind}>`;
      }
    }
  }
  return html;
}
