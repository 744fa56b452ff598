"""keys.json: which keys the protocol allows, what memcached 1.6 really does with them (raw
`set`/`get` exchanges on a fresh connection each), what python-memcached and pymemcache accept,
and base64 keys of the meta protocol (`b` flag)."""

import base64

import memcache
from pymemcache.client.base import check_key_helper

PORT = 21511

# (name, key, note): str keys are sent UTF-8 encoded, bytes keys as they are.
KEYS = [
    ('simple', 'foo', None),
    ('ascii_249_bytes', 'k' * 249, 'one byte under the limit'),
    ('ascii_250_bytes', 'k' * 250, 'maximum length'),
    ('ascii_251_bytes', 'k' * 251, 'one byte too long'),
    ('space', 'foo bar', "space separates tokens: `get foo bar` is a multi-get of 'foo' and 'bar'"),
    ('crlf', 'foo\r\nbar', 'CRLF ends the command line'),
    ('lf', 'foo\nbar', 'a bare LF also ends the command line'),
    ('cr', 'foo\rbar', 'a bare CR inside a key'),
    ('tab', 'foo\tbar', 'tab inside a key'),
    ('nul', b'foo\x00bar', 'NUL inside a key'),
    ('control_0x01', b'foo\x01bar', None),
    ('control_0x0b', b'foo\x0bbar', 'vertical tab'),
    ('del_0x7f', b'foo\x7fbar', None),
    ('utf8_ok', 'h\u00e9llo\u2713', 'UTF-8 bytes >= 0x80 are allowed'),
    ('utf8_250_bytes', '\u00e9' * 125, '125 characters, 250 bytes'),
    ('utf8_252_bytes_126_chars', '\u00e9' * 126,
     '126 characters but 252 bytes: too long (limit is in bytes)'),
    ('utf8_251_bytes_250_chars', 'k' * 249 + '\u00e9', '250 characters but 251 bytes'),
    ('utf8_3byte_249_bytes', '\u20ac' * 83, '83 three-byte characters'),
    ('utf8_3byte_250_bytes', '\u20ac' * 83 + 'z', 'three-byte characters up to the limit'),
    ('utf8_3byte_252_bytes', '\u20ac' * 84, '84 three-byte characters: 252 bytes'),
    ('utf8_4byte_250_bytes', '\U0001f511' * 62 + 'kk', '62 four-byte characters and 2 ASCII'),
    ('utf8_4byte_crosses_limit', 'k' * 247 + '\U0001f511',
     'a four-byte character that starts at byte 248 ends at byte 251'),
    ('latin1_byte_0xff', b'foo\xffbar', 'not valid UTF-8 but allowed by the protocol'),
    ('empty', '', None),
]


def escape(data):
    """Bytes as a Python bytes literal without the b'' quotes (\\r, \\n, \\t, \\xNN)."""
    return repr(bytes(data))[2:-1]


def valid_text_protocol(raw):
    return 1 <= len(raw) <= 250 and not any(b <= 0x20 or b == 0x7f for b in raw)


def lines(reply):
    return [line for line in reply.decode('latin1').split('\r\n') if line]


def python_memcached_check(key):
    client = memcache.Client([])
    out = {}
    try:
        client.check_key(client._encode_key(key))
        out['python_memcached'] = 'ok'
    except Exception as exc:  # the library's verdict is the recorded result
        out['python_memcached'] = type(exc).__name__
        out['python_memcached_message'] = str(exc)
    return out


def pymemcache_check(key, allow_unicode_keys):
    try:
        check_key_helper(key, allow_unicode_keys)
        return 'ok'
    except Exception as exc:  # the library's verdict is the recorded result
        return type(exc).__name__


def key_entry(server, name, key, note):
    raw = key.encode('utf-8') if isinstance(key, str) else key
    set_cmd = b'set ' + raw + b' 0 0 5\r\nvalue\r\n'
    get_cmd = b'get ' + raw + b'\r\n'
    server.flush()
    set_reply = server.exchange(set_cmd)
    get_reply = server.exchange(get_cmd)
    accepted = set_reply == b'STORED\r\n' and \
        get_reply == b'VALUE ' + raw + b' 0 5\r\nvalue\r\nEND\r\n'
    if accepted:
        behaviour = 'accepted: stored and returned by get under the same key'
    else:
        behaviour = 'rejected: set answered %s; get answered %s' % (
            ' / '.join(lines(set_reply)) or 'nothing', escape(get_reply) or 'nothing')
    entry = {'name': name, 'key_hex': raw.hex(), 'key_repr': repr(key), 'byte_length': len(raw),
             'valid_text_protocol': valid_text_protocol(raw), 'server_behaviour': behaviour,
             'server_exchange': [{'sent': escape(set_cmd), 'received': escape(set_reply)},
                                 {'sent': escape(get_cmd), 'received': escape(get_reply)}]}
    if isinstance(key, str):
        entry['char_length'] = len(key)
    entry.update(python_memcached_check(key))
    entry['pymemcache'] = pymemcache_check(key, False)
    entry['pymemcache_allow_unicode_keys'] = pymemcache_check(key, True)
    if note:
        entry['note'] = note
    return entry


def b64(data):
    return base64.b64encode(data)


def meta_exchanges(server):
    binary = b64(b'hello world\r\n')
    flagged = b64(b'\x00\x01\xff key')
    ok, too_long = b64(b'x' * 186), b64(b'x' * 187)
    cases = [
        ('binary_key_roundtrip', 'ms <base64> <datalen> b stores under the decoded binary key; '
         "mg ... b k v returns the key base64-encoded followed by 'b'",
         [b'ms ' + binary + b' 3 b\r\nabc\r\n', b'mg ' + binary + b' b k v\r\n']),
        ('base64_key_equals_plain_key', 'a base64 key names the same item as the decoded plain key',
         [b'ms Zm9v 3 b\r\nxyz\r\n', b'get foo\r\n', b'mg foo v\r\n']),
        ('binary_key_with_flags_and_ttl', 'client flags (F) and TTL (T) with a base64 key; mg '
         'returns flags (f) and remaining TTL (t)',
         [b'ms ' + flagged + b' 2 b F30 T100\r\nhi\r\n', b'mg ' + flagged + b' b f t v\r\n']),
        ('base64_key_miss', 'miss on a base64 key', [b'mg ' + b64(b'no such key \x01') + b' b v\r\n']),
        ('base64_length_limit_ok', 'the 250-byte limit applies to the encoded token: 186 raw bytes '
         '-> 248 base64 chars', [b'ms ' + ok + b' 1 b\r\na\r\n']),
        ('base64_length_limit_exceeded', '187 raw bytes -> 252 base64 chars (> 250): rejected',
         [b'ms ' + too_long + b' 1 b\r\na\r\n', b'mg ' + too_long + b' b v\r\n']),
        ('invalid_base64', 'a key that is not valid base64 with b', [b'mg not*base64 b v\r\n']),
    ]
    out = []
    for name, description, steps in cases:
        # A second boundary between `ms ... T100` and `mg ... t` would read t99: such a run is
        # repeated, so that the file records the exchange as one uninterrupted second gives it.
        for _attempt in range(5):
            server.flush()
            exchange = [{'sent': escape(s), 'received': escape(server.exchange(s))} for s in steps]
            if 'T100' not in exchange[0]['sent'] or ' t100' in exchange[-1]['received']:
                break
        out.append({'name': name, 'description': description, 'exchange': exchange})
    return out


def generate(fleet):
    server = fleet.tcp(PORT)
    return {
        'about': 'Key validity. valid_text_protocol follows the protocol text (1..250 bytes, no '
                 'control characters 0x00-0x1f/0x7f, no space); server_behaviour is what '
                 'memcached actually did with a raw `set <key> 0 0 5` followed by `get <key>` on '
                 'a fresh connection.',
        'checks': {
            'python_memcached': 'memcache.Client.check_key(Client._encode_key(key)) as done by '
                                'set()/get(): str keys are UTF-8 encoded, length limit 250 '
                                'bytes, bytes must match [\\x21-\\x7e\\x80-\\xff]+',
            'pymemcache': 'pymemcache.client.base.check_key_helper(key, allow_unicode_keys=False)'
                          ': non-ASCII str or bytes keys rejected; > 250 bytes, whitespace '
                          '(bytes.split()) or NUL rejected',
            'pymemcache_allow_unicode_keys': 'same with allow_unicode_keys=True (str keys UTF-8 '
                                             'encoded)',
        },
        'keys': [key_entry(server, name, key, note) for name, key, note in KEYS],
        'meta_base64_keys': {
            'about': 'memcached >= 1.6 meta commands accept base64-encoded keys with the `b` '
                     'flag, which allows binary keys (spaces, CR/LF, NUL, any byte).',
            'exchanges': meta_exchanges(server),
        },
    }
