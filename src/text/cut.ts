/**
 * `text` cut to at most `max` UTF-16 code units, `ellipsis` included, on a boundary between characters as a
 * reader sees them: never half of a surrogate pair (which no JSON parser or SMS gateway takes) nor half of
 * an emoji sequence. Returned whole when it fits.
 */
export function cutText(text: string, max: number, ellipsis = ""): string {
  if (text.length <= max) return text;
  const room = max - ellipsis.length;
  let end = 0;
  for (const { index, segment } of graphemes().segment(text)) {
    if (index + segment.length > room) break;
    end = index + segment.length;
  }
  // A first character longer than the room (a letter under hundreds of accents): whole code points instead.
  if (end === 0) {
    for (const point of text) {
      if (end + point.length > room) break;
      end += point.length;
    }
  }
  return text.slice(0, end) + ellipsis;
}

let segmenter: Intl.Segmenter | undefined;
const graphemes = () => (segmenter ??= new Intl.Segmenter("en", { granularity: "grapheme" }));
