import { escapeHtml } from "../text/markdown";

// `feed` (through xml-js) wraps item text in CDATA but escapes only the first "]]>" and passes through
// characters XML forbids; either makes the whole document unreadable. Text is cleaned before it reaches
// `feed`, and "]]>" is swapped for a marker that is turned into a proper CDATA split afterwards.

// Characters outside XML 1.0's Char production: C0 controls but tab/newline/return, U+FFFE/U+FFFF, and
// unpaired surrogates.
const ILLEGAL_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function cleanXmlText(text: string): string {
  return text.replace(ILLEGAL_XML, "");
}

/** A marker no admin text can contain (cleaned text has no U+FFFF). */
const CDATA_END_MARKER = "\uFFFF]]\uFFFF";

/** For text that `feed` puts inside CDATA. */
export function cdataText(text: string): string {
  return cleanXmlText(text).replaceAll("]]>", CDATA_END_MARKER + ">");
}

/** Applied to the generated XML: ends the CDATA section between "]]" and ">" and opens a new one. */
export function restoreCdataEnds(xml: string): string {
  return xml.replaceAll(CDATA_END_MARKER + ">", "]]]]><![CDATA[>");
}

const XML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };

/** Text for an XML element or attribute value written by hand (Atom): cleaned, then escaped. */
export function escapeXml(text: string): string {
  return cleanXmlText(text).replace(/[&<>"']/g, (ch) => XML_ESCAPES[ch]!);
}

/**
 * Plain text for a field feed readers parse as HTML (an RSS item's `description`, which RSS 2.0 lets carry
 * entity-encoded HTML): escaped, each line break a `<br>`, so readers show exactly what was written, line
 * breaks included, and never receive markup from it.
 */
export function htmlOfText(text: string): string {
  return escapeHtml(text).replace(/\r\n?|\n/g, "<br>");
}
