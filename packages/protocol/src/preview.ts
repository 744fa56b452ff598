/**
 * Safe quoting of untrusted text (keys, reply lines) inside error messages:
 * escaped so that control characters never reach a log line raw, and
 * truncated so that a 250-byte key or an 8 KiB line does not flood it.
 */

const PREVIEW_CHARS = 48;

/** JSON leaves DEL, C1 controls and the Unicode line separators raw; escape them too. */
const EXTRA_ESCAPES = /[\u007f-\u009f\u2028\u2029]/g;

/** `text` JSON-quoted with every control character escaped, cut to a short preview. */
export function describeForMessage(text: string): string {
  const cut = text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}…` : text;
  return JSON.stringify(cut).replace(
    EXTRA_ESCAPES,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** A quoted preview of the bytes `buf[start, end)`, read as latin1 so any byte survives. */
export function describeBytes(buf: Uint8Array, start: number, end: number): string {
  const stop = Math.min(end, start + PREVIEW_CHARS + 1);
  let text = '';
  for (let i = start; i < stop; i++) text += String.fromCharCode(buf[i]!);
  return describeForMessage(text);
}
