/**
 * Where a memcached ASCII reply ends. Used by the raw test helpers to stop reading without
 * depending on the client package: it walks lines, skips `VALUE`/`VA` data blocks by their
 * declared length, and counts terminal lines (END, STORED, HD, numbers, errors, ...).
 */

/** Lines after which memcached sends nothing more for the command. */
const TERMINAL =
  /^(?:END|STORED|NOT_STORED|EXISTS|NOT_FOUND|DELETED|TOUCHED|OK|RESET|ERROR|MN|EN|\d+|(?:CLIENT_ERROR|SERVER_ERROR|VERSION|HD|NF|NS|EX|ME)(?: .*)?)$/;

const VALUE_LINE = /^VALUE \S+ \d+ (\d+)(?: \d+)?$/;
const VA_LINE = /^VA (\d+)(?: .*)?$/;

/**
 * Counts the complete replies at the start of `text` (latin1: one char per byte). Returns how
 * many terminal lines were seen and whether the text ends exactly at a reply boundary.
 */
export function countReplies(text: string): { replies: number; atBoundary: boolean } {
  let pos = 0;
  let replies = 0;
  let atBoundary = true;
  while (pos < text.length) {
    const eol = text.indexOf('\r\n', pos);
    if (eol < 0) return { replies, atBoundary: false };
    const line = text.slice(pos, eol);
    pos = eol + 2;
    const value = VALUE_LINE.exec(line) ?? VA_LINE.exec(line);
    if (value) {
      pos += Number(value[1]) + 2;
      if (pos > text.length) return { replies, atBoundary: false };
      // `VA` is a whole meta reply; `VALUE` blocks are closed by END.
      if (line.startsWith('VA ')) {
        replies++;
        atBoundary = true;
      } else atBoundary = false;
      continue;
    }
    if (TERMINAL.test(line)) {
      replies++;
      atBoundary = true;
    } else atBoundary = false;
  }
  return { replies, atBoundary };
}
