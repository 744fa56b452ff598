/**
 * @memkit/client: a fast, correct memcached client for Node.
 */

export {
  isMemkitError,
  MEMKIT_ERROR_CODES,
  MemkitError,
  type MemkitErrorCode,
  U64_MAX,
} from '@memkit/protocol';
export type { CloseOptions } from './call-options';
export {
  CENSUS_CHANNEL,
  type ClientCensus,
  type ConnectionStates,
  type ServerCensus,
} from './census';
export { Client } from './client';
export type { TopologyEvent } from './cluster/cluster';
export { PointCache, type PointScheme } from './cluster/continuum';
export type { KeyInput } from './cluster/hash';
export type { ServerState, ServerStateChange } from './cluster/health';
export type { InvalidationMessage } from './cluster/invalidations';
export {
  type ContinuumPoint,
  type KetamaBuildOptions,
  type KetamaHashing,
  KetamaLocator,
  type KetamaLocatorOptions,
  type KetamaMode,
} from './cluster/ketama';
export type { NodeLocator, ServerNode } from './cluster/locator';
export { ModulaLocator, type ModulaLocatorOptions } from './cluster/modula';
export type { ReplicaFailureMessage } from './cluster/replicas';
export type { GetOrSetOptions, Loader, LoaderContext } from './commands/get-or-set';
export type { MultiOptions } from './commands/multi';
export type { ArithmeticOptions } from './commands/mutation';
export type { RawCommandOptions } from './commands/raw';
export type { CasResult } from './commands/retrieval';
export type { SetOptions, WriteOptions } from './commands/storage';
export type {
  CommandMessage,
  ConnectionMessage,
  DiscoveryMessage,
  ProtocolMessage,
} from './diagnostics';
export { type DiscoveredServer, discoverServers } from './discovery/once';
export type {
  ConfigEndpointDiscovery,
  DiscoveryOptions,
  DnsDiscovery,
  SrvDiscovery,
} from './discovery/options';
export {
  DIGEST_MARKER,
  type KeyMapping,
  MAX_BINARY_KEY_BYTES,
  type MapKeyOptions,
  type MappedKey,
  mapKey,
} from './key-mapping';
export type { KeyOptions } from './key-options';
export type { NearCacheStats } from './near-cache/near-cache';
export type {
  AuthOptions,
  ClientOptions,
  CommandOptions,
  GutterOptions,
  HashingName,
  NearCacheOptions,
  ServerSpec,
  ShadowOptions,
  TlsOptions,
  WarmFromOptions,
} from './options';
export {
  isPartialFailure,
  type KeyFailure,
  PartialFailureError,
  type ServerResult,
} from './partial';
export type { FailureMessage } from './routes/on-error';
export type { ShadowStats } from './routes/shadow';
export type { WarmUpStats } from './routes/warm-up';
export * from './serialization/index';
export { parseServer, parseServers } from './servers';
export {
  type BatchTrace,
  type CommandTrace,
  type GetOrSetOutcome,
  TRACING_CHANNELS,
  type TraceServer,
} from './tracing';
