"""modula-python-memcached.json: python-memcached's server selection.

Each key's server comes from `Client._get_server()` with live servers and is cross-checked by
storing the key with `set_multi` and finding it with a raw `get` on every server; a pure-Python
reimplementation of the rules must agree on every key. Failover comes from real
`_Host.deaduntil` marks, and the full probe order from recording `_Host.connect` calls.
"""

import binascii
import time

import memcache

from common import MODULA_SEED, key_entry, key_list
from servers import SOCKET_DIR

RANDOM_KEYS = 160
PLACEMENT_EXTRA_KEYS = 800
FAILOVER_KEYS = 60
UNIX_PATH = SOCKET_DIR + '/modula-a.sock'


def server(spec, weight=None):
    if weight is None:
        return {'spec': spec, 'weight': 1}
    return {'spec': [spec, weight], 'weight': weight}


def lo(port, weight=None):
    return server('127.0.0.1:%d' % port, weight)


CASES = [
    ('one', 'single server', [lo(21311)]),
    ('three', '3 servers, strings', [lo(21311), lo(21312), lo(21313)]),
    ('weighted_1_2_3', 'tuples with weights 1,2,3 -> 6 buckets',
     [lo(21311, 1), lo(21312, 2), lo(21313, 3)]),
    ('mixed', 'strings and (spec, weight) tuples',
     [lo(21311), lo(21312, 3), lo(21313), lo(21314, 2)]),
    ('five', '5 servers', [lo(p) for p in range(21311, 21316)]),
    ('weight_zero', 'a server with weight 0 gets no bucket', [lo(21311, 1), lo(21312, 0),
                                                              lo(21313, 2)]),
    # Extensions: more weights, IPv6 and unix-socket servers (python-memcached's own syntax).
    ('weights_1_to_7', '7 servers with weights 1..7 -> 28 buckets',
     [lo(21311 + i, i + 1) for i in range(7)]),
    ('heavy_weight', 'weights 10 and 1 -> 11 buckets', [lo(21311, 10), lo(21312, 1)]),
    ('ipv6_and_unix', "'inet6:[::1]:port', 'unix:/path' and 'inet:host:port' specs",
     [server('inet6:[::1]:21311'), server('unix:' + UNIX_PATH, 2), server('inet:127.0.0.1:21313')]),
]

RULES = {
    'key_bytes': 'str keys are encoded UTF-8 before hashing; bytes keys are used as-is',
    'hash': 'cmemcache_hash(key) = ((crc32(key) & 0xffffffff) >> 16) & 0x7fff, or 1 when that is 0',
    'buckets': "servers in order, each repeated `weight` times ('host:port' strings have weight "
               "1, ('host:port', w) tuples weight w; weight 0 => no bucket)",
    'select': 'buckets[hash % len(buckets)]',
    'explicit_hash': 'a key given as (hashvalue, key) uses hashvalue directly instead of '
                     'cmemcache_hash (Python modulo: a negative hashvalue counts from the end)',
    'dead_server_retry': 'up to _SERVER_RETRIES = 10 probes; after a dead probe at attempt i '
                         '(0-based) the next hash is cmemcache_hash((str(h) + str(i)).encode('
                         "'ascii')) -- the decimal previous hash followed by the decimal attempt "
                         'number; the key itself is not re-hashed',
}


def cmemcache_hash(data):
    return ((binascii.crc32(data) & 0xffffffff) >> 16) & 0x7fff or 1


def buckets_of(servers):
    out = []
    for index, s in enumerate(servers):
        out += [index] * s['weight']
    return out


def py_spec(s):
    return tuple(s['spec']) if isinstance(s['spec'], list) else s['spec']


def start(fleet, servers):
    running = []
    for s in servers:
        spec = s['spec'][0] if isinstance(s['spec'], list) else s['spec']
        if spec.startswith('unix:'):
            running.append(fleet.unix(spec[len('unix:'):]))
        else:
            running.append(fleet.tcp(int(spec.rsplit(':', 1)[1])))
    return running


def place(fleet, name, servers, keys, hash_function):
    """Server index of each key: by _get_server, by socket, and by the rules; all must agree."""
    fleet.flush_all()
    running = start(fleet, servers)
    client = memcache.Client([py_spec(s) for s in servers])
    index_of = {id(h): i for i, h in enumerate(client.servers)}
    by_library = [index_of[id(client._get_server(k)[0])] for k in keys]
    failed = client.set_multi({k: b'1' for k in keys})
    if failed:
        raise AssertionError('%s: python-memcached could not store %r' % (name, failed[:3]))
    holder = {}
    for index, srv in enumerate(running):
        if srv in running[:index]:
            continue
        for k in srv.keys_present(keys):
            holder[k] = index
    by_socket = [holder.get(k) for k in keys]
    buckets = buckets_of(servers)
    by_rules = [buckets[hash_function(k) % len(buckets)] for k in keys]
    for k, a, b, c in zip(keys, by_library, by_socket, by_rules):
        if not a == b == c:
            raise AssertionError('%s: key %r library=%s socket=%s rules=%s' % (name, k, a, b, c))
    client.disconnect_all()
    return by_library


def failover(servers, keys):
    client = memcache.Client([py_spec(s) for s in servers])
    index_of = {id(h): i for i, h in enumerate(client.servers)}
    buckets = buckets_of(servers)
    real_connect = memcache._Host.connect
    rows = []
    for key in keys:
        raw = key.encode('utf-8')
        probes = []

        def dead_connect(host):
            probes.append(index_of[id(host)])
            return 0

        memcache._Host.connect = dead_connect
        try:
            if client._get_server(raw) != (None, None):
                raise AssertionError('a dead cluster returned a server for %r' % key)
        finally:
            memcache._Host.connect = real_connect
        hashes = [cmemcache_hash(raw)]
        for i in range(9):
            hashes.append(cmemcache_hash((str(hashes[i]) + str(i)).encode('ascii')))
        probe_buckets = [h % len(buckets) for h in hashes]
        if probes != [buckets[b] for b in probe_buckets]:
            raise AssertionError('probe order of %r: library %r, rules %r' % (key, probes, hashes))
        for h in client.servers:
            h.deaduntil = 0
        primary = client.servers[probes[0]]
        primary.deaduntil = time.time() + 3600
        second = client._get_server(raw)[0]
        second.deaduntil = time.time() + 3600
        # None (null) when all ten probes land on the two dead servers.
        third = client._get_server(raw)[0]
        for h in client.servers:
            h.deaduntil = 0
        row = key_entry(key)
        del row['len']
        row.update({
            'probe_hashes': hashes, 'probe_buckets': probe_buckets, 'probe_servers': probes,
            'chosen_if_primary_dead': index_of[id(second)],
            'chosen_if_primary_and_that_dead': None if third is None else index_of[id(third)],
        })
        rows.append(row)
    client.disconnect_all()
    return rows


def generate(fleet):
    keys = key_list(MODULA_SEED, RANDOM_KEYS)
    raw_keys = [k.encode('utf-8') for k in keys]
    placed = raw_keys + [('modula:%d' % i).encode() for i in range(PLACEMENT_EXTRA_KEYS)]
    cases = []
    for name, description, servers in CASES:
        by_library = place(fleet, name, servers, placed, cmemcache_hash)
        cases.append({
            'name': name, 'description': description, 'servers': servers,
            'buckets': buckets_of(servers),
            'hash': [cmemcache_hash(k) for k in raw_keys],
            'server_index': by_library[:len(keys)],
            'verified': {'get_server_keys': len(placed), 'socket_placement_keys': len(placed),
                         'reimplementation_mismatches': 0},
        })
    case = dict((c[0], c[2]) for c in CASES)

    mixed = case['mixed']
    start(fleet, mixed)
    client = memcache.Client([py_spec(s) for s in mixed])
    index_of = {id(h): i for i, h in enumerate(client.servers)}
    buckets = buckets_of(mixed)
    entries = []
    for hashvalue in [0, 1, 2, 3, 4, 5, 6, 7, 8, -1, -8, 65535, 2 ** 32 + 5]:
        key = 'explicit:%d' % hashvalue
        got = index_of[id(client._get_server((hashvalue, key.encode()))[0])]
        if got != buckets[hashvalue % len(buckets)]:
            raise AssertionError('explicit hash %d: library %d' % (hashvalue, got))
        entries.append({'hashvalue': hashvalue, 'key': key, 'server_index': got})
    client.disconnect_all()

    memcache.useOldServerHashFunction()
    try:
        old = place(fleet, 'old_server_hash_function', case['weighted_1_2_3'], placed,
                    lambda k: binascii.crc32(k))
    finally:
        memcache.serverHashFunction = memcache.cmemcache_hash

    return {
        'about': 'python-memcached server selection (modula over weighted buckets). '
                 'server_index[i] is the index in `servers` chosen for keys[i]; hash[i] is '
                 'cmemcache_hash(keys[i]).',
        'seed': MODULA_SEED,
        'rules': RULES,
        'keys': [key_entry(k) for k in keys],
        'cases': cases,
        'explicit_hash_keys': {'case': 'mixed', 'entries': entries},
        'failover': {
            'case': 'mixed', 'servers': mixed, 'buckets': buckets,
            'rule': 'for i in 0..9: server = buckets[h % len(buckets)]; if server is alive use '
                    'it; else h = cmemcache_hash(ascii(str(h) + str(i))). After 10 failed '
                    'probes the client gives up (set returns 0, get returns None).',
            'keys': failover(mixed, keys[:FAILOVER_KEYS]),
            'verified_keys': FAILOVER_KEYS,
        },
        'old_server_hash_function': {
            'case': 'weighted_1_2_3',
            'note': 'memcache.useOldServerHashFunction() switches the hash to plain '
                    'binascii.crc32(key) (unsigned on Python 3); buckets and failover are '
                    'unchanged',
            'hash': [binascii.crc32(k) for k in raw_keys],
            'server_index': old[:len(keys)],
        },
    }

