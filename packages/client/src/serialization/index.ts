/**
 * Value serialization: how JS values become bytes + flags and back, above the
 * protocol so that commands only ever see bytes + flags. The client picks
 * `createDefaultSerializer()` unless told otherwise, and `rawSerializer` for
 * raw mode.
 */
export { type CompressionOptions, DEFAULT_MAX_DECOMPRESSED_LENGTH, withCompression } from './compression';
export { createDefaultSerializer, type DefaultSerializerOptions, pythonSerializer } from './default';
export { UnserializableError } from './errors';
export { FLAGS, MAX_FLAGS } from './flags';
export { type RawValue, rawSerializer } from './raw';
export type { SerializedText, SerializedValue, Serializer } from './types';
