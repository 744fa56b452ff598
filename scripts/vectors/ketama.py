"""ketama.json: libmemcached consistent hashing as pylibmc uses it.

Three sources must agree on every key, or the generator stops:
- the real placement: each key stored through pylibmc on real servers, the holder found with a
  raw `get` on each server;
- libmemcached's own answer without sockets (`pylibmc.Client.hash`, memcached_generate_hash);
- an independent pure-Python reimplementation of the rules (below), which also yields the point
  labels and continuum heads that the file records.
Key hashes are checked against libhashkit's exported functions through ctypes.
"""

import ctypes
import hashlib
import math
import struct

import pylibmc

from common import KETAMA_SEED, key_entry, key_list
from servers import SOCKET_DIR

RANDOM_KEYS = 160
PLACEMENT_EXTRA_KEYS = 800  # stored and placed too, but not written to the file

MODES = {
    'ketama_weighted': {
        'pylibmc_behaviors': {'ketama_weighted': True},
        'distribution': 'MEMCACHED_DISTRIBUTION_CONSISTENT_WEIGHTED',
        'key_hash': 'md5: uint32 little-endian from digest bytes 0..3',
        'points': 'per server: floor(float32(pct*160/4*N + 1e-10))*4 with pct = '
                  'weight/total_weight in float32 and N = number of live servers; one md5 per '
                  'label gives 4 points (LE uint32 of digest bytes 0-3, 4-7, 8-11, 12-15)',
    },
    'ketama': {
        'pylibmc_behaviors': {'ketama': True},
        'distribution': 'MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA',
        'key_hash': 'one_at_a_time (libhashkit default), bytes >= 0x80 sign-extended (signed char)',
        'points': '100 per server; one one_at_a_time hash per label. If any server has weight > 1, '
                  'libmemcached switches to the weighted point scheme of ketama_weighted (md5 '
                  'points, float32 counts) but keeps one_at_a_time as the key hash',
    },
    'ketama_md5': {
        'pylibmc_behaviors': {'ketama': True, 'hash': 'md5'},
        'distribution': 'MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA',
        'key_hash': 'md5 LE uint32 (digest bytes 0..3)',
        'points': '100 per server; one point per label = md5 LE uint32 of digest bytes 0..3. If '
                  'any server has weight > 1, the weighted point scheme of ketama_weighted is '
                  'used instead',
    },
}

UNIX_A = SOCKET_DIR + '/ketama-a.sock'
UNIX_B = SOCKET_DIR + '/ketama-b.sock'
UNIX_C = SOCKET_DIR + '/ketama-c.sock'


def tcp(spec, host, port, weight=1):
    return {'spec': spec, 'host': host, 'port': port, 'weight': weight}


def unix(path):
    # pylibmc takes no weight for a unix socket spec, so sockets keep weight 1.
    return {'spec': path, 'host': path, 'port': 0, 'weight': 1, 'socket_path': path}


def lo(port, weight=1):
    spec = '127.0.0.1:%d' % port + (':%d' % weight if weight != 1 else '')
    return tcp(spec, '127.0.0.1', port, weight)


CASES = [
    ('single', 'one server', [lo(21211)]),
    ('three_with_default_port', "3 servers, one on the default port 11211 (point labels 'host-i')",
     [lo(11211), lo(21212), lo(21213)]),
    ('three_ip', '3 servers by IP', [lo(21211), lo(21212), lo(21213)]),
    ('three_hostname', "same ports as three_ip but named 'localhost': labels use the name as "
     'given, so the mapping differs',
     [tcp('localhost:%d' % p, 'localhost', p) for p in (21211, 21212, 21213)]),
    ('five_weighted', '5 servers, weights 1,2,3,1,2',
     [lo(21211), lo(21212, 2), lo(21213, 3), lo(21214), lo(21215, 2)]),
    ('default_port_implicit', "spec '127.0.0.1' (no port => 11211), a hostname, and a "
     "'host:port:weight' spec",
     [tcp('127.0.0.1', '127.0.0.1', 11211), tcp('localhost:21212', 'localhost', 21212),
      lo(21213, 2)]),
    ('equal_weights_3', '4 servers all weight 3 (same as all weight 1 for weighted ketama)',
     [lo(21211, 3), lo(21212, 3), lo(21213, 3), lo(21214, 3)]),
    ('float32_edge', 'weights 1,6,6,6,6: libmemcached computes points in C float, server 0 gets '
     '28 points (double arithmetic would give 32)',
     [lo(21211), lo(21212, 6), lo(21213, 6), lo(21214, 6), lo(21215, 6)]),
    ('ipv6_mixed', 'IPv6 literal hosts are labelled without brackets',
     [tcp('[::1]:21214', '::1', 21214), lo(21215), tcp('[::1]:21216:2', '::1', 21216, 2)]),
    ('ten', '10 servers, weight 1', [lo(p) for p in range(21211, 21221)]),
    # Extensions: more weights, IPv6 on the default port, unix sockets.
    ('weights_1_to_7', '7 servers with weights 1..7', [lo(21211 + i, i + 1) for i in range(7)]),
    ('heavy_weight', 'weights 100 and 1: the light server keeps a handful of points',
     [lo(21211, 100), lo(21212)]),
    ('primes_weighted', 'weights 3,5,7,11,13', [lo(21211 + i, w) for i, w in
                                                enumerate((3, 5, 7, 11, 13))]),
    ('two_equal_weights_2', '2 servers of weight 2 (weighted points, equal shares)',
     [lo(21211, 2), lo(21212, 2)]),
    ('ipv6_default_port', "'[::1]' (port 11211 implied) is labelled '::1-i', beside an IPv6 "
     'server on another port',
     [tcp('[::1]', '::1', 11211), tcp('[::1]:21212', '::1', 21212), lo(21213)]),
    ('ipv6_weighted', 'IPv6 servers only, weights 1,3,2',
     [tcp('[::1]:21211', '::1', 21211), tcp('[::1]:21212:3', '::1', 21212, 3),
      tcp('[::1]:21213:2', '::1', 21213, 2)]),
    ('unix_sockets', "three unix sockets (pylibmc cannot mix them with TCP): a socket is "
     "labelled '<path>:0-i' (port 0)", [unix(UNIX_A), unix(UNIX_B), unix(UNIX_C)]),
]


def f32(x):
    return struct.unpack('f', struct.pack('f', x))[0]


def weighted_point_count(weight, total_weight, live, double=False):
    if double:
        pct = weight / total_weight
        return math.floor(pct * 160 / 4 * live + 0.0000000001) * 4
    pct = f32(f32(weight) / f32(total_weight))
    value = f32(f32(f32(pct * 160) / 4) * f32(live))
    return math.floor(value + 0.0000000001) * 4


def md5_u32(data, offset=0):
    return int.from_bytes(hashlib.md5(data).digest()[offset:offset + 4], 'little')


def one_at_a_time(data, signed=True):
    mask = 0xFFFFFFFF
    v = 0
    for byte in data:
        if signed and byte >= 0x80:
            byte |= 0xFFFFFF00
        v = (v + byte) & mask
        v = (v + (v << 10)) & mask
        v ^= v >> 6
    v = (v + (v << 3)) & mask
    v ^= v >> 11
    return (v + (v << 15)) & mask


def label(host, port, i, bracket_ipv6=False, default_port_short=True):
    if bracket_ipv6 and ':' in host:
        host = '[%s]' % host
    if port == 11211 and default_port_short:
        return '%s-%d' % (host, i)
    return '%s:%d-%d' % (host, port, i)


class Ring:
    """A pure-Python continuum; `variant` names a wrong assumption to measure its cost."""

    def __init__(self, servers, mode, variant=None):
        self.mode, self.servers, self.variant = mode, servers, variant
        self.weighted = mode == 'ketama_weighted' or any(s['weight'] > 1 for s in servers)
        total = sum(s['weight'] for s in servers)
        self.points_per_server, self.heads, points = [], [], []
        for index, s in enumerate(servers):
            host = s['host']
            if variant == 'resolved_ip_instead_of_hostname' and host == 'localhost':
                host = '127.0.0.1'
            kwargs = {'bracket_ipv6': variant == 'bracketed_ipv6_host',
                      'default_port_short': variant != 'label_host:11211-i_instead_of_host-i'}
            head = []
            if self.weighted:
                count = weighted_point_count(s['weight'], total, len(servers),
                                             double=variant == 'double_precision_point_counts')
                for i in range(count // 4):
                    text = label(host, s['port'], i, **kwargs)
                    values = [md5_u32(text.encode(), 4 * j) for j in range(4)]
                    points += [(v, index) for v in values]
                    head.append({'label': text, 'points': values})
            else:
                count = 100
                for i in range(count):
                    text = label(host, s['port'], i, **kwargs)
                    value = self.key_hash(text.encode())
                    points.append((value, index))
                    head.append({'label': text, 'points': [value]})
            self.points_per_server.append(count)
            self.heads.append(head[:3])
        self.points = sorted(points)

    def key_hash(self, data):
        if self.mode == 'ketama':
            return one_at_a_time(data, signed=self.variant != 'one_at_a_time_without_sign_extension')
        return md5_u32(data)

    def locate(self, key):
        if len(self.servers) == 1:
            return 0
        h = self.key_hash(key)
        lo_, hi = 0, len(self.points)
        while lo_ < hi:
            mid = (lo_ + hi) // 2
            if self.points[mid][0] < h:
                lo_ = mid + 1
            else:
                hi = mid
        return self.points[lo_ % len(self.points)][1]


def variants_for(servers, mode):
    out = []
    if any(s['port'] == 11211 for s in servers):
        out.append('label_host:11211-i_instead_of_host-i')
    if any(s['host'] == 'localhost' for s in servers):
        out.append('resolved_ip_instead_of_hostname')
    if mode == 'ketama':
        out.append('one_at_a_time_without_sign_extension')
    if any(':' in s['host'] and 'socket_path' not in s for s in servers):
        out.append('bracketed_ipv6_host')
    if mode == 'ketama_weighted' and any(
            weighted_point_count(s['weight'], sum(x['weight'] for x in servers), len(servers)) !=
            weighted_point_count(s['weight'], sum(x['weight'] for x in servers), len(servers), True)
            for s in servers):
        out.append('double_precision_point_counts')
    return out


def pylibmc_spec(s):
    return s['spec']


def libhashkit():
    lib = ctypes.CDLL('libhashkit.so.2')
    for name in ('libhashkit_md5', 'libhashkit_one_at_a_time'):
        getattr(lib, name).restype = ctypes.c_uint32
        getattr(lib, name).argtypes = [ctypes.c_char_p, ctypes.c_size_t]
    return lib


def generate(fleet):
    keys = key_list(KETAMA_SEED, RANDOM_KEYS)
    raw_keys = [k.encode('utf-8') for k in keys]
    extra = [('ketama:%d' % i).encode() for i in range(PLACEMENT_EXTRA_KEYS)]
    placed = raw_keys + extra

    hk = libhashkit()
    key_rows = []
    for raw in placed:
        ours = (md5_u32(raw), one_at_a_time(raw))
        lib = (hk.libhashkit_md5(raw, len(raw)), hk.libhashkit_one_at_a_time(raw, len(raw)))
        if ours != lib:
            raise AssertionError('libhashkit disagrees on %r: %r vs %r' % (raw, lib, ours))
    for key, raw in zip(keys, raw_keys):
        row = key_entry(key)
        row['md5_u32'] = md5_u32(raw)
        row['one_at_a_time_u32'] = one_at_a_time(raw)
        key_rows.append(row)
    affected = sum(1 for raw in raw_keys if one_at_a_time(raw) != one_at_a_time(raw, False))

    cases, hypothesis_checks = [], []
    for name, description, servers in CASES:
        running = [fleet.unix(s['socket_path']) if 'socket_path' in s
                   else fleet.tcp(s['port'])
                   for s in servers]
        modes = {}
        for mode, info in MODES.items():
            fleet.flush_all()
            client = pylibmc.Client([pylibmc_spec(s) for s in servers],
                                    behaviors=dict(info['pylibmc_behaviors']))
            behaviors = client.behaviors
            failed = client.set_multi({k: b'1' for k in placed})
            if failed:
                raise AssertionError('%s/%s: pylibmc could not store %r' % (name, mode, failed[:3]))
            holder = {}
            for index, server in enumerate(running):
                for k in server.keys_present(placed):
                    if k in holder:
                        raise AssertionError('%s/%s: %r on two servers' % (name, mode, k))
                    holder[k] = index
            by_socket = [holder.get(k) for k in placed]
            by_library = [client.hash(k) for k in placed]
            ring = Ring(servers, mode)
            by_rules = [ring.locate(k) for k in placed]
            for k, a, b, c in zip(placed, by_socket, by_library, by_rules):
                if not a == b == c:
                    raise AssertionError('%s/%s: key %r socket=%s library=%s rules=%s'
                                         % (name, mode, k, a, b, c))
            client.disconnect_all()
            mismatches = {}
            for variant in variants_for(servers, mode):
                wrong = Ring(servers, mode, variant)
                mismatches[variant] = sum(1 for k, want in zip(placed, by_socket)
                                          if wrong.locate(k) != want)
            if mismatches:
                hypothesis_checks.append({'case': name, 'mode': mode, 'of_keys': len(placed),
                                          'wrong_hypothesis_mismatches': mismatches})
            modes[mode] = {
                'pylibmc_behaviors_after_init': {
                    b: behaviors[b] for b in ('distribution', 'hash', 'ketama_hash', 'ketama',
                                              'ketama_weighted')},
                'libmemcached_distribution_enum':
                    pylibmc.client.distributions[behaviors['distribution']],
                'weighted_points': ring.weighted,
                'points_per_server': ring.points_per_server,
                'continuum_size': len(ring.points),
                'continuum_head_per_server': ring.heads,
                'sorted_continuum_first': [{'value': v, 'server': s} for v, s in ring.points[:6]],
                'server_index': by_socket[:len(keys)],
                'verified': {'socket_placement_keys': len(placed),
                             'memcached_generate_hash_keys': len(placed),
                             'libhashkit_hash_checked_keys': len(placed),
                             'reimplementation_mismatches': 0},
            }
        cases.append({'name': name, 'description': description, 'servers': servers,
                      'modes': modes})

    return {
        'about': 'libmemcached consistent-hashing (ketama) server selection as used by pylibmc. '
                 'server_index[i] is the index (in the given server list) of the server that '
                 'holds keys[i].',
        'seed': KETAMA_SEED,
        'modes': MODES,
        'rules': {
            'label': "'<host>-<i>' when port == 11211, otherwise '<host>:<port>-<i>'; <host> is "
                     'the host string exactly as configured (not resolved; IPv6 without '
                     'brackets; a unix socket is its path with port 0); i counts from 0',
            'lookup': 'sort points by (value, server index); pick the first point with value >= '
                      'key hash; wrap to the first point if none',
            'single_server': 'with exactly one server libmemcached skips hashing and always uses '
                             'server 0',
        },
        'hypothesis_checks': hypothesis_checks,
        'one_at_a_time_sign_extension_affected_keys': affected,
        'keys': key_rows,
        'cases': cases,
    }
