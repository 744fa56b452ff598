/**
 * The `stats` reports (general, settings, items, slabs, conns, cachedump)
 * as name/value pairs, with memcached 1.6.18's stat names and order so
 * clients, exporters and dashboards find what they expect. Counters memkit
 * has no equivalent for (threads, slab mover, extstore…) report 0.
 */
import process from 'node:process';
import type { Context, ServerState } from '../context';
import { SLAB_PAGE_SIZE } from '../store/slabs';

/** One `STAT <name> <value>` line. */
export type Stat = [name: string, value: string | number];

function rusage(micros: number): string {
  return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
}

/** Names memcached prints that have no memkit meaning; reported as 0. */
const ZERO_GENERAL_1 = [
  'response_obj_oom',
  'response_obj_count',
  'response_obj_bytes',
  'read_buf_count',
  'read_buf_bytes',
  'read_buf_bytes_free',
  'read_buf_oom',
  'reserved_fds',
];
const ZERO_GENERAL_2 = [
  'slab_reassign_rescues',
  'slab_reassign_chunk_rescues',
  'slab_reassign_evictions_nomem',
  'slab_reassign_inline_reclaim',
  'slab_reassign_busy_items',
  'slab_reassign_busy_deletes',
  'slab_reassign_running',
  'slabs_moved',
  'lru_crawler_running',
  'lru_crawler_starts',
  'lru_maintainer_juggles',
  'malloc_fails',
  'log_worker_dropped',
  'log_worker_written',
  'log_watcher_skipped',
  'log_watcher_sent',
  'log_watchers',
  'unexpected_napi_ids',
  'round_robin_fallback',
];

/** The general `stats` report. */
export function generalStats(s: ServerState): Stat[] {
  const { counters: c, store, clock, settings } = s;
  const now = clock.now();
  const cpu = process.cpuUsage();
  const conns = s.connections.size;
  return [
    ['pid', process.pid],
    ['uptime', now - clock.started],
    ['time', now],
    ['version', settings.version],
    ['libevent', 'none'],
    ['pointer_size', 64],
    ['rusage_user', rusage(cpu.user)],
    ['rusage_system', rusage(cpu.system)],
    ['max_connections', settings.maxConnections],
    ['curr_connections', conns],
    ['total_connections', c.totalConnections],
    ['rejected_connections', c.rejectedConnections],
    ['connection_structures', conns],
    ...ZERO_GENERAL_1.map((n): Stat => [n, 0]),
    ['cmd_get', c.cmdGet],
    ['cmd_set', c.sum('cmdSet')],
    ['cmd_flush', c.cmdFlush],
    ['cmd_touch', c.cmdTouch],
    ['cmd_meta', c.cmdMeta],
    ['get_hits', c.sum('getHits')],
    ['get_misses', c.getMisses],
    ['get_expired', c.getExpired],
    ['get_flushed', c.getFlushed],
    ['delete_misses', c.deleteMisses],
    ['delete_hits', c.sum('deleteHits')],
    ['incr_misses', c.incrMisses],
    ['incr_hits', c.sum('incrHits')],
    ['decr_misses', c.decrMisses],
    ['decr_hits', c.sum('decrHits')],
    ['cas_misses', c.casMisses],
    ['cas_hits', c.sum('casHits')],
    ['cas_badval', c.sum('casBadval')],
    ['touch_hits', c.sum('touchHits')],
    ['touch_misses', c.touchMisses],
    ['store_too_large', c.storeTooLarge],
    ['store_no_memory', c.storeNoMemory],
    ['auth_cmds', c.authCmds],
    ['auth_errors', c.authErrors],
    ['bytes_read', c.bytesRead],
    ['bytes_written', c.bytesWritten],
    ['limit_maxbytes', store.limit],
    ['accepting_conns', 1],
    ['listen_disabled_num', 0],
    ['time_in_listen_disabled_us', 0],
    ['threads', 1],
    ['conn_yields', 0],
    ['hash_power_level', 0],
    ['hash_bytes', 0],
    ['hash_is_expanding', 0],
    ...ZERO_GENERAL_2.map((n): Stat => [n, 0]),
    ['bytes', store.bytes],
    ['curr_items', store.size],
    ['total_items', c.totalItems],
    ['slab_global_page_pool', 0],
    ['expired_unfetched', store.expiredUnfetched],
    ['evicted_unfetched', store.evictedUnfetched],
    ['evicted_active', 0],
    ['evictions', store.evictions],
    ['reclaimed', store.reclaimed],
    ['crawler_reclaimed', 0],
    ['crawler_items_checked', 0],
    ['lrutail_reflocked', 0],
    ['moves_to_cold', 0],
    ['moves_to_warm', 0],
    ['moves_within_lru', 0],
    ['direct_reclaims', 0],
    ['lru_bumps_dropped', 0],
  ];
}

/** `stats settings`. */
export function settingsStats(s: ServerState, crawlerEnabled: boolean): Stat[] {
  const { settings, store } = s;
  return [
    ['maxbytes', store.limit],
    ['maxconns', settings.maxConnections],
    ['tcpport', settings.port],
    ['udpport', 0],
    ['inter', settings.host],
    ['verbosity', settings.verbosity],
    ['oldest', 0],
    ['evictions', 'on'],
    ['domain_socket', 'NULL'],
    ['umask', 700],
    ['shutdown_command', 'no'],
    ['growth_factor', '1.25'],
    ['chunk_size', 48],
    ['num_threads', 1],
    ['num_threads_per_udp', 1],
    ['stat_key_prefix', ':'],
    ['detail_enabled', 'no'],
    ['reqs_per_event', 20],
    ['cas_enabled', 'yes'],
    ['tcp_backlog', 1024],
    ['binding_protocol', 'ascii'],
    ['auth_enabled_sasl', 'no'],
    ['auth_enabled_ascii', s.auth === undefined ? 'no' : 'yes'],
    ['item_size_max', store.itemSizeMax],
    ['maxconns_fast', 'yes'],
    ['hashpower_init', 0],
    ['slab_reassign', 'no'],
    ['slab_automove', 0],
    ['slab_chunk_max', store.slabs.sizes[store.slabs.largest]!],
    ['lru_crawler', crawlerEnabled ? 'yes' : 'no'],
    ['lru_crawler_sleep', 100],
    ['lru_crawler_tocrawl', 0],
    ['tail_repair_time', 0],
    ['flush_enabled', 'yes'],
    ['dump_enabled', 'yes'],
    ['hash_algorithm', 'native'],
    ['lru_maintainer_thread', 'no'],
    ['lru_segmented', 'no'],
    ['temp_lru', 'no'],
    ['idle_timeout', 0],
    ['track_sizes', 'no'],
    ['inline_ascii_response', 'no'],
  ];
}

/** `stats items`: per slab class holding items. */
export function itemsStats(s: ServerState): Stat[] {
  const { store, counters, clock } = s;
  const now = clock.now();
  const oldest = new Map<number, number>();
  for (const item of store.values()) if (!oldest.has(item.cls)) oldest.set(item.cls, item.time);
  const out: Stat[] = [];
  const ids = [...store.usage.entries()].filter(([, u]) => u.items > 0).sort(([a], [b]) => a - b);
  for (const [id, usage] of ids) {
    const c = counters.cls(id);
    const p = `items:${id}:`;
    out.push(
      [`${p}number`, usage.items],
      [`${p}number_hot`, 0],
      [`${p}number_warm`, 0],
      [`${p}number_cold`, usage.items],
      [`${p}age_hot`, 0],
      [`${p}age_warm`, 0],
      [`${p}age`, now - (oldest.get(id) ?? now)],
      [`${p}mem_requested`, usage.bytes],
      [`${p}evicted`, c.evicted],
      [`${p}evicted_nonzero`, c.evictedNonzero],
      [`${p}evicted_time`, c.evictedTime],
      [`${p}outofmemory`, c.outOfMemory],
      [`${p}tailrepairs`, 0],
      [`${p}reclaimed`, c.reclaimed],
      [`${p}expired_unfetched`, c.expiredUnfetched],
      [`${p}evicted_unfetched`, c.evictedUnfetched],
      [`${p}evicted_active`, 0],
      [`${p}crawler_reclaimed`, 0],
      [`${p}crawler_items_checked`, 0],
      [`${p}lrutail_reflocked`, 0],
      [`${p}moves_to_cold`, 0],
      [`${p}moves_to_warm`, 0],
      [`${p}moves_within_lru`, 0],
      [`${p}direct_reclaims`, 0],
      [`${p}hits_to_hot`, 0],
      [`${p}hits_to_warm`, 0],
      [`${p}hits_to_cold`, c.getHits],
      [`${p}hits_to_temp`, 0],
    );
  }
  return out;
}

/** `stats slabs`: per slab class ever used, with pages computed from the items it holds. */
export function slabsStats(s: ServerState): Stat[] {
  const { store, counters } = s;
  const out: Stat[] = [];
  let pagesTotal = 0;
  const ids = [...counters.classes.keys()].filter((id) => id > 0).sort((a, b) => a - b);
  for (const id of ids) {
    const c = counters.cls(id);
    const used = store.usage.get(id)?.items ?? 0;
    const perPage = store.slabs.perPage(id);
    const pages = Math.max(1, Math.ceil(used / perPage));
    pagesTotal += pages;
    out.push(
      [`${id}:chunk_size`, store.slabs.sizes[id]!],
      [`${id}:chunks_per_page`, perPage],
      [`${id}:total_pages`, pages],
      [`${id}:total_chunks`, pages * perPage],
      [`${id}:used_chunks`, used],
      [`${id}:free_chunks`, pages * perPage - used],
      [`${id}:free_chunks_end`, 0],
      [`${id}:get_hits`, c.getHits],
      [`${id}:cmd_set`, c.cmdSet],
      [`${id}:delete_hits`, c.deleteHits],
      [`${id}:incr_hits`, c.incrHits],
      [`${id}:decr_hits`, c.decrHits],
      [`${id}:cas_hits`, c.casHits],
      [`${id}:cas_badval`, c.casBadval],
      [`${id}:touch_hits`, c.touchHits],
    );
  }
  out.push(['active_slabs', ids.length], ['total_malloced', pagesTotal * SLAB_PAGE_SIZE]);
  return out;
}

/** `stats conns`: the listener, then every client connection. */
export function connsStats(ctx: Context): Stat[] {
  const now = ctx.clock.now();
  const { host, port } = ctx.settings;
  const out: Stat[] = [
    ['0:addr', `tcp:${host}:${port}`],
    ['0:state', 'conn_listening'],
    ['0:secs_since_last_cmd', now - ctx.clock.started],
  ];
  for (const conn of ctx.connections) {
    out.push(
      [`${conn.id}:addr`, `tcp:${conn.remote}`],
      [`${conn.id}:listen_addr`, `tcp:${conn.local}`],
      [`${conn.id}:state`, conn === ctx.conn ? 'conn_parse_cmd' : 'conn_waiting'],
      [`${conn.id}:secs_since_last_cmd`, now - conn.lastCommandAt],
    );
  }
  return out;
}
