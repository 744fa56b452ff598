"""Shared pieces of the vectors generator: the reference versions recorded in every file,
deterministic key lists, Python repr helpers and the one JSON writer.

Every value in the files comes from the real libraries talking to real memcached processes;
this module only decides which inputs to try and how the output is laid out, so that a rerun on
the same package versions reproduces each file byte for byte.
"""

import json
import platform
import random
import subprocess

# Key lists use their own seeded generator (never the global one) so that adding a key to one
# file cannot shift another file's random keys.
KETAMA_SEED = 1
MODULA_SEED = 2
FLAGS_SEED = 3

# Hand-picked keys first (common shapes, non-ASCII, lengths at the 250-byte limit), then seeded
# random keys. Every key is a valid text-protocol key: it is stored through the real client.
FIXED_KEYS = [
    'foo', 'bar', 'baz', 'a', 'b', '0', '1', 'key', 'Key', 'KEY',
    'user:1', 'user:2', 'user:42', 'user:1000', 'session/abc123', 'memkit:v1:user:1000',
    'cache/page/index', 'obj#99', '~tilde', 'a|b|c', 'xxxxxxxxxx',
    'h\u00e9llo', '\u043a\u043b\u044e\u0447', '\u65e5\u672c\u8a9e\u30ad\u30fc', '\U0001f511',
    'emoji\U0001f680key', '\u00fc', '\u03a9mega:1', '\u00e4' * 5, '\u4e2d\u6587:\u952e',
]

# Keys whose UTF-8 form is 248..250 bytes: 1-, 2-, 3- and 4-byte characters, and a character
# that ends exactly on the limit.
LIMIT_KEYS = [
    'k' * 250,
    'k' * 249,
    'L' * 248,
    '\u00e9' * 125,
    'x' + '\u00e9' * 124 + 'y',
    '\u20ac' * 83 + 'z',
    '\u20ac' * 82 + 'zzzz',
    '\U0001f511' * 62 + 'kk',
    'k' * 246 + '\U0001f511',
    'user:' + '9' * 245,
]

PREFIXES = ['user:', 'session:', 'cache/', 'obj#', 'memkit:v1:', '']
ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
PUNCT = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'
NON_ASCII = '\u00e9\u00fc\u00f1\u00e5\u00f8\u00e7\u00df\u03b1\u03b2\u03a9\u0438\u043d\u0431' \
    '\u4e2d\u6587\u952e\u8a9e\ud55c\uad6d\u20ac\u2713\U0001f511\U0001f680'


def random_keys(seed, count):
    """`count` distinct valid keys from a private PRNG: ASCII, punctuation and mixed UTF-8."""
    rng = random.Random(seed)
    seen = set(FIXED_KEYS) | set(LIMIT_KEYS)
    out = []
    while len(out) < count:
        shape = rng.random()
        prefix = rng.choice(PREFIXES)
        n = rng.randint(1, 24)
        if shape < 0.55:
            body = ''.join(rng.choice(ALNUM) for _ in range(n))
        elif shape < 0.7:
            body = str(rng.randint(0, 10 ** rng.randint(1, 12)))
        elif shape < 0.8:
            body = ''.join(rng.choice(ALNUM + PUNCT) for _ in range(n))
        else:
            body = ''.join(rng.choice(ALNUM + NON_ASCII) for _ in range(n))
        key = prefix + body
        if key in seen or len(key.encode('utf-8')) > 250:
            continue
        seen.add(key)
        out.append(key)
    return out


def key_list(seed, random_count):
    """The keys of a placement file: fixed, limit and seeded random keys, in that order."""
    return FIXED_KEYS + LIMIT_KEYS + random_keys(seed, random_count)


def key_entry(key):
    raw = key.encode('utf-8')
    return {'hex': raw.hex(), 'text': key, 'len': len(raw)}


def _dpkg_version(package):
    try:
        out = subprocess.run(['dpkg-query', '-W', '-f', '${Version}', package],
                             capture_output=True, text=True, check=False)
    except FileNotFoundError:
        return None
    return out.stdout.strip() or None


def reference(memcached_version):
    """The versions every expected value depends on; recorded in each file."""
    import memcache
    import pylibmc
    import pymemcache
    packages = ['libhashkit2', 'libmemcached11', 'memcached', 'python3-memcache',
                'python3-pylibmc', 'python3-pymemcache']
    return {
        'python': platform.python_version(),
        'memcached': memcached_version,
        'debian_packages': {p: _dpkg_version(p) for p in packages},
        'python-memcached': {'module___version__': memcache.__version__},
        'pylibmc': {'__version__': pylibmc.__version__,
                    'libmemcached_version_reported': pylibmc.libmemcached_version},
        'pymemcache': {'__version__': pymemcache.__version__},
    }


FLAG_BIT_NAMES = {1: 'pickle', 2: 'integer', 4: 'long', 8: 'zlib', 16: 'text'}


def flag_bits(flags):
    """Names of the bits set in `flags`, lowest first (unknown bits as `bitN`)."""
    return [FLAG_BIT_NAMES.get(1 << i, 'bit%d' % i) for i in range(32) if flags & (1 << i)]


REPR_LIMIT = 160


def short_repr(value):
    """repr() cut after REPR_LIMIT characters and marked `...<N chars>` (N = full repr length)."""
    text = repr(value)
    if len(text) <= REPR_LIMIT:
        return text
    return text[:REPR_LIMIT] + '...<%d chars>' % len(text)


def describe_result(value):
    """What a library's get() returned: type, (short) repr and, when cut, the value's length."""
    out = {'type': type(value).__name__, 'repr': short_repr(value)}
    if len(repr(value)) > REPR_LIMIT and isinstance(value, (str, bytes)):
        out['len'] = len(value)
    return out


def describe_exception(exc):
    name = type(exc).__name__
    module = type(exc).__module__
    if module not in ('builtins', None):
        name = module + '.' + name
    return {'exception': name, 'message': repr(str(exc))}


def write_json(path, data):
    """The one output format: sorted keys, one-space indent, UTF-8, trailing newline."""
    text = json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False)
    with open(path, 'w', encoding='utf-8', newline='\n') as f:
        f.write(text + '\n')
