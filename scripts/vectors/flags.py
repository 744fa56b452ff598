"""flags-python-memcached.json, flags-pylibmc.json, flags-pymemcache.json: how each library
stores Python values (`store`: set through the library, read back with a raw `get`) and how its
`get()` decodes raw (flags, bytes) pairs written with a raw `set` (`load`, and
`flag_combinations`: every combination of python-memcached's five flag bits)."""

import pickle
import random
import zlib

import memcache
import pylibmc
import pymemcache
from pymemcache import serde
from pymemcache.client.base import Client as PymemcacheClient

from common import FLAGS_SEED, describe_exception, describe_result, flag_bits, short_repr

FLAG_BITS = {
    '1': 'pickle (Python-only; a non-Python client cannot decode it)',
    '2': 'integer as ASCII decimal',
    '4': 'long as ASCII decimal',
    '8': 'zlib-compressed (RFC 1950 zlib stream; applied on top of the other bits)',
    '16': 'UTF-8 text',
}

PORTS = {'python-memcached': 21411, 'pylibmc': 21412, 'pymemcache': 21413}
UTF8_SHOWN_UP_TO = 1000  # value_utf8 is left out for longer values (value_hex has them)


def store_values():
    rng = random.Random(FLAGS_SEED)
    incompressible = bytes(rng.getrandbits(8) for _ in range(400))
    return [
        ('bytes', b'abc', None), ('bytes_empty', b'', None), ('str_ascii', 'hello', None),
        ('str_empty', '', None), ('str_unicode', 'h\u00e9llo \u2713', None), ('int', 42, None),
        ('int_zero', 0, None), ('int_negative', -17, None), ('int_big', 2 ** 70, None),
        ('int_big_negative', -2 ** 64, None), ('float', 1.5, None), ('bool_true', True, None),
        ('bool_false', False, None), ('none', None, None),
        ('dict', {'a': 1, 'b': [1, 2]}, None), ('list', [1, 'two', 3.0], None),
        ('tuple', (1, 2), None),
        ('str_2000_compressed', 'a' * 2000, 100), ('bytes_2000_compressed', b'b' * 2000, 100),
        ('str_exactly_min_compress_len', 'c' * 100, 100),
        ('str_min_compress_len_plus_1', 'c' * 101, 100),
        ('bytes_incompressible', incompressible, 100),
        ('int_with_min_compress_len', 10 ** 150, 10),
        ('list_compressed', list(range(300)), 100),
    ]


def load_values():
    return [
        ('flags0_bytes', 0, b'abc'), ('flags0_empty', 0, b''),
        ('flags16_utf8', 16, 'h\u00e9llo \u2713'.encode()), ('flags16_invalid_utf8', 16, b'\xff\xfe'),
        ('flags2_int', 2, b'42'), ('flags2_negative', 2, b'-7'),
        ('flags2_not_a_number', 2, b'abc'), ('flags4_long', 4, b'12345678901234567890'),
        ('flags24_zlib_text', 24, zlib.compress(('h\u00e9llo \u2713 ' * 20).encode())),
        ('flags8_zlib_bytes', 8, zlib.compress(b'b' * 500)), ('flags8_not_zlib', 8, b'plain'),
        ('flags1_pickle_proto0', 1, pickle.dumps({'a': 1}, 0)),
        ('flags1_pickle_proto2', 1, pickle.dumps({'a': 1}, 2)),
        ('flags1_pickle_highest', 1, pickle.dumps({'a': 1}, pickle.HIGHEST_PROTOCOL)),
        ('flags1_garbage', 1, b'not a pickle'), ('flags17_text_and_pickle', 17, b'text?'),
        ('flags18_text_and_int', 18, b'12'), ('flags32_unknown', 32, b'x'),
        ('flags_max_uint32', 0xFFFFFFFF, b'x'),
    ]


def combination_values():
    """Every combination of bits 1, 2, 4, 8 and 16, each with bytes that suit the bit
    python-memcached looks at first (16, then 2 and 4, then 1), compressed when 8 is set."""
    out = []
    for flags in range(32):
        if flags & 16:
            inner = 'h\u00e9llo \u2713'.encode()
        elif flags & 6:
            inner = b'42'
        elif flags & 1:
            inner = pickle.dumps({'a': 1}, 0)
        else:
            inner = b'abc'
        out.append(('combo_%02d' % flags, flags, zlib.compress(inner) if flags & 8 else inner))
    return out


def stored_entry(name, value, min_len, flags, data, read_back):
    entry = {'name': name, 'python_value_repr': short_repr(value),
             'python_type': type(value).__name__, 'stored': True, 'flags': flags,
             'flag_bits': flag_bits(flags), 'value_len': len(data), 'value_hex': data.hex()}
    if min_len is not None:
        entry['min_compress_len'] = min_len
    plain = data
    if flags & 8:
        plain = zlib.decompress(data)
        entry['zlib_decompressed_len'] = len(plain)
        entry['zlib_decompressed_hex'] = plain.hex()
    if len(plain) <= UTF8_SHOWN_UP_TO:
        try:
            entry['value_utf8'] = plain.decode('utf-8')
        except UnicodeDecodeError:
            pass
    entry['pickled'] = bool(flags & 1)
    entry['decodable_without_pickle'] = not flags & 1
    entry['read_back_by_same_library'] = read_back
    return entry


def raw_get(server, key):
    reply = server.command(b'get ' + key + b'\r\n', b'END\r\n')
    header, _, rest = reply.partition(b'\r\n')
    parts = header.split(b' ')
    if parts[0] != b'VALUE':
        raise AssertionError('raw get %r: %r' % (key, reply[:80]))
    return int(parts[2]), rest[:int(parts[3])]


def raw_set(server, key, flags, data):
    reply = server.command(b'set %s %d 0 %d\r\n%s\r\n' % (key, flags, len(data), data), b'\r\n')
    if reply != b'STORED\r\n':
        raise AssertionError('raw set %r: %r' % (key, reply))


def call(fn):
    try:
        return describe_result(fn())
    except Exception as exc:  # the library's exception is the recorded result
        return describe_exception(exc)


def run(server, store, get, supports_compression=True):
    """store[] and load[] of one library configuration on a flushed server."""
    server.flush()
    stores = []
    for name, value, min_len in store_values():
        key = ('flags:' + name).encode()
        try:
            store(key, value, min_len if supports_compression else None)
        except Exception as exc:  # a value the library refuses is recorded as such
            stores.append({'name': name, 'python_type': type(value).__name__,
                           'python_value_repr': short_repr(value), 'stored': False,
                           'store_exception': describe_exception(exc)})
            continue
        flags, data = raw_get(server, key)
        recorded_min = min_len if supports_compression else None
        stores.append(stored_entry(name, value, recorded_min, flags, data, call(lambda: get(key))))
    loads = {}
    for section, values in (('load', load_values()), ('flag_combinations', combination_values())):
        loads[section] = []
        for name, flags, data in values:
            key = ('raw:' + name).encode()
            raw_set(server, key, flags, data)
            loads[section].append({'name': name, 'flags': flags, 'flag_bits': flag_bits(flags),
                                   'value_hex': data.hex(), 'result': call(lambda: get(key))})
    return {'store': stores, **loads}


def run_compressing(fleet, name, client_class):
    """run() for python-memcached or pylibmc: both are built as client_class(['HOST:PORT']) and
    take set(key, value, min_compress_len=N). Returns the (disconnected) client and run()'s
    store[] and load[]."""
    server = fleet.tcp(PORTS[name])
    client = client_class(['127.0.0.1:%d' % server.port])

    def store(key, value, min_len):
        if not client.set(key, value, min_compress_len=min_len or 0):
            raise AssertionError('%s did not store %r' % (name, key))

    body = run(server, store, client.get)
    client.disconnect_all()
    return client, body


def python_memcached(fleet):
    client, body = run_compressing(fleet, 'python-memcached', memcache.Client)
    return {
        'about': 'How python-memcached stores Python values (store) and how its get() decodes '
                 'raw (flags, bytes) (load, flag_combinations). value_hex is exactly what the '
                 'server holds.',
        'library': {'name': 'python-memcached', 'module': 'memcache', 'options': {
            'constructor': "memcache.Client(['127.0.0.1:PORT'])",
            'pickleProtocol': client.pickleProtocol,
            'compressor': 'zlib.compress (default level)',
            'compress_rule': 'only when min_compress_len > 0 and len(serialized) > '
                             'min_compress_len (strict) and the compressed form is smaller; ints '
                             'are never compressed'}},
        'decode_order': 'flags & 8 -> zlib.decompress first and clear bit 8; then: flags == 0 '
                        '-> bytes; elif & 16 -> utf-8 str; elif & 2 -> int; elif & 4 -> int; '
                        'elif & 1 -> unpickle (errors => None); else ValueError(\'Unknown flags '
                        'on get: %x\')',
        **body,
    }


def pylibmc_file(fleet):
    client, body = run_compressing(fleet, 'pylibmc', pylibmc.Client)
    return {
        'about': 'How pylibmc stores Python values (store) and how its get() decodes raw '
                 '(flags, bytes) (load, flag_combinations).',
        'library': {'name': 'pylibmc', 'module': 'pylibmc', 'options': {
            'constructor': "pylibmc.Client(['127.0.0.1:PORT'])",
            'pickle_protocol': client.behaviors['pickle_protocol'],
            'pickle_protocol_note': '-1 = pickle.HIGHEST_PROTOCOL (%d on this Python)'
                                    % pickle.HIGHEST_PROTOCOL,
            'compress_rule': 'zlib deflate (Z_DEFAULT_COMPRESSION) when min_compress_len > 0 and '
                             'len(serialized) >= min_compress_len'}},
        'decode_order': 'flags & 8 -> zlib inflate first; then switch on flags & (1|2|4|16) '
                        'exactly: 0 -> bytes, 1 -> unpickle, 2 or 4 -> int, 16 -> utf-8 str, any '
                        "other combination -> pylibmc.Error('unknown memcached key flags N')",
        **body,
    }


PYMEMCACHE_FLAVOURS = [
    ('default', "pymemcache.client.base.Client(('127.0.0.1', PORT)) -- no serde", {}),
    ('pickle_serde', 'Client(..., serde=pymemcache.serde.pickle_serde)',
     {'serde': serde.pickle_serde}),
    ('python_memcache_serializer', 'Client(..., serializer=serde.python_memcache_serializer, '
     'deserializer=serde.python_memcache_deserializer)',
     {'serializer': serde.python_memcache_serializer,
      'deserializer': serde.python_memcache_deserializer}),
]


def pymemcache_file(fleet):
    server = fleet.tcp(PORTS['pymemcache'])
    flavours = []
    for flavour, constructor, kwargs in PYMEMCACHE_FLAVOURS:
        client = PymemcacheClient(('127.0.0.1', server.port), **kwargs)

        def store(key, value, _min_len, client=client):
            if not client.set(key, value, noreply=False):
                raise AssertionError('pymemcache did not store %r' % key)

        body = run(server, store, client.get, supports_compression=False)
        client.close()
        flavours.append({'flavour': flavour, 'constructor': constructor, **body})
    return {
        'about': 'pymemcache flag conventions per serde flavour. The default Client has no '
                 'serializer: bytes are stored as-is with flags 0, anything else is str()-ed and '
                 "encoded with Client.encoding ('ascii'), also flags 0. The python_memcache "
                 "serde uses python-memcached's flag bits but never compresses (bit 8 is not "
                 'handled on load).',
        'library': {'name': 'pymemcache', 'module': 'pymemcache',
                    'pickle_version': serde.DEFAULT_PICKLE_VERSION,
                    'version': pymemcache.__version__},
        'flavours': flavours,
    }


def generate(fleet):
    """The three files, keyed by file name."""
    common = {'seed': FLAGS_SEED, 'flag_bits': FLAG_BITS}
    return {
        'flags-python-memcached.json': {**common, **python_memcached(fleet)},
        'flags-pylibmc.json': {**common, **pylibmc_file(fleet)},
        'flags-pymemcache.json': {**common, **pymemcache_file(fleet)},
    }
