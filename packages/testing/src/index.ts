/**
 * @memkit/testing: real memcached processes for integration tests (TCP, unix socket, TLS,
 * auth; several at once; stop/kill/restart), raw-socket helpers to check server state without
 * the client under test, a fault-injecting TCP proxy for reliability tests and a recording proxy
 * that shows what reached the server.
 */
export { type AnyKeyOptions, anyKey } from './any-key';
export { HOSTILE_BYTES, HOSTILE_VALUES, type HostileCase, hostileKeys, UNUSUAL_KEYS } from './hostile';
export { buildMemcachedArgs, type MemcachedArgsInput } from './memcached/args';
export { startMemcachedCluster, stopAll } from './memcached/cluster';
export {
  type MemcachedAuth,
  type MemcachedInstance,
  type StartMemcachedOptions,
  startMemcached,
} from './memcached/instance';
export {
  type ConnectRawOptions,
  connectRaw,
  type RawCommandOptions,
  type RawTarget,
  rawCommand,
  rawStats,
  readReplies,
  waitServerSeconds,
} from './memcached/raw';
export { countReplies } from './memcached/reply';
export { getFreePort } from './ports';
export { createPrng } from './prng';
export { type FaultProxy, type FaultProxyOptions, startFaultProxy } from './proxy/fault-proxy';
export { type FaultProxyStats, type Faults, NO_FAULTS } from './proxy/faults';
export {
  type RecordingProxy,
  type RecordingProxyOptions,
  startRecordingProxy,
} from './proxy/recording-proxy';
export { readmePython, requirePythonMemcache, runPython, SYSTEM_PYTHON } from './python';
export {
  describeStoreContract,
  type ErrorEmitter,
  type RawStoreAccess,
  rawStoreAccess,
  type StoreUnderTest,
  surfaceErrors,
} from './store-contract';
export { type GenerateTlsOptions, generateTlsMaterial, type TlsMaterial } from './tls';
