/**
 * Values on their way to the wire: what a serializer made of them, as bytes
 * or as text (see `Serializer.serializeForWrite`), and what the encoders are
 * given for the data block.
 */
import { Buffer } from 'node:buffer';
import type { SerializedText, SerializedValue, Serializer } from './types';

/** A value ready to be written: bytes, or text written as UTF-8. */
export type WriteValue = SerializedValue | SerializedText;

/** Serializes `value` for a write, through `serializeForWrite` when the serializer has it. */
export function serializeForWrite<T>(serializer: Serializer<T, unknown>, value: T): WriteValue {
  return serializer.serializeForWrite ? serializer.serializeForWrite(value) : serializer.serialize(value);
}

/** The data block of `v` as the encoders take it. */
export function dataOf(v: WriteValue): Uint8Array | string {
  return 'text' in v ? v.text : v.bytes;
}

/** The length of `v`'s data block in bytes. */
export function byteLengthOf(v: WriteValue): number {
  return 'text' in v ? Buffer.byteLength(v.text, 'utf8') : v.bytes.length;
}

/** True when `v`'s data block is longer than `max` bytes; text is only measured when it could be. */
export function longerThan(v: WriteValue, max: number): boolean {
  // UTF-8 takes 1 to 3 bytes per UTF-16 unit.
  if ('text' in v) return v.text.length > max || (v.text.length * 3 > max && byteLengthOf(v) > max);
  return v.bytes.length > max;
}
