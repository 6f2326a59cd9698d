import type { ShownStatus } from "../db/schema";

// Shields-style flat badges: a grey label and a coloured value, text measured with an approximation of
// Verdana 11px (what shields.io renders), so widths look right without a font at hand.

export const STATUS_COLORS: Record<ShownStatus, string> = {
  operational: "#4c1",
  degraded: "#dfb317",
  partial_outage: "#fe7d37",
  major_outage: "#e05d44",
  under_maintenance: "#007ec6",
};

export const NO_DATA_COLOR = "#9f9f9f";

export function uptimeColor(percent: number | null): string {
  if (percent === null) return NO_DATA_COLOR;
  if (percent >= 99.9) return "#4c1";
  if (percent >= 99) return "#97ca00";
  if (percent >= 95) return "#dfb317";
  if (percent >= 90) return "#fe7d37";
  return "#e05d44";
}

const NARROW = new Set("fijlrtI.,:;!|'()[] ");
const WIDE = new Set("mwMW@%");
/** Drawn on the glyph before them (combining accents, variation selectors) or not at all (joiners, bidi marks). */
const NO_ADVANCE = /^[\p{Mn}\p{Me}\p{Cf}]$/u;
/** East Asian wide and fullwidth characters and emoji: a whole em each in any fallback font. */
const FULL_EM = /^[\u1100-\u115F\u2E80-\u303E\u3041-\u33FF\u3400-\u4DBF\u4E00-\u9FFF\uA000-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6\u{1F000}-\u{1FAFF}\u{20000}-\u{3FFFD}]$/u;
const FONT_SIZE = 11;

function charWidth(ch: string): number {
  if (NARROW.has(ch)) return 4;
  if (WIDE.has(ch)) return 10;
  if (NO_ADVANCE.test(ch)) return 0;
  if (FULL_EM.test(ch)) return FONT_SIZE;
  return ch === ch.toUpperCase() && ch !== ch.toLowerCase() ? 7.5 : 6.5;
}

function textWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += charWidth(ch);
  return Math.ceil(width);
}

/** What a badge shows of a text: control characters (none renders, and XML cannot hold most) and U+FFFE, U+FFFF removed. */
export const shownOnBadge = (text: string) => text.replace(/[\u0000-\u001F\u007F-\u009F\uFFFE\uFFFF]/g, "");

const escape = (text: string) =>
  shownOnBadge(text)
    .replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!);

export function badgeSvg(label: string, value: string, color: string): string {
  const labelWidth = textWidth(label) + 10;
  const valueWidth = textWidth(value) + 10;
  const width = labelWidth + valueWidth;
  const l = escape(label);
  const v = escape(value);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="20" role="img" aria-label="${l}: ${v}"><title>${l}: ${v}</title><linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient><clipPath id="r"><rect width="${width}" height="20" rx="3" fill="#fff"/></clipPath><g clip-path="url(#r)"><rect width="${labelWidth}" height="20" fill="#555"/><rect x="${labelWidth}" width="${valueWidth}" height="20" fill="${color}"/><rect width="${width}" height="20" fill="url(#s)"/></g><g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11"><text x="${labelWidth / 2}" y="15" fill="#010101" fill-opacity=".3">${l}</text><text x="${labelWidth / 2}" y="14">${l}</text><text x="${labelWidth + valueWidth / 2}" y="15" fill="#010101" fill-opacity=".3">${v}</text><text x="${labelWidth + valueWidth / 2}" y="14">${v}</text></g></svg>`;
}
