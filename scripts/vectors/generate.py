#!/usr/bin/python3
"""Generates the reference vectors in fixtures/vectors/ from the real python-memcached,
pylibmc and pymemcache talking to real memcached processes that this script starts.

    /usr/bin/python3 scripts/vectors/generate.py [--out DIR]

A rerun with the same package versions reproduces every file byte for byte (`pnpm vectors`
rewrites them; the test suite regenerates them into a temporary directory and compares).
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from servers import Fleet, SetupError, enter_private_network, lock, memcached_version  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_OUT = os.path.join(ROOT, 'fixtures', 'vectors')


def check_libraries():
    missing = []
    for module, package in (('memcache', 'python3-memcache'), ('pylibmc', 'python3-pylibmc'),
                            ('pymemcache', 'python3-pymemcache')):
        try:
            __import__(module)
        except ImportError:
            missing.append(package)
    if missing:
        raise SetupError('missing Python libraries for %s (Debian: apt-get install %s)'
                         % (sys.executable, ' '.join(missing)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--out', default=DEFAULT_OUT, help='output directory')
    args = parser.parse_args()
    try:
        check_libraries()
        version = memcached_version()
    except SetupError as err:
        print('vectors: %s' % err, file=sys.stderr)
        return 2
    enter_private_network([os.path.abspath(__file__), '--out', os.path.abspath(args.out)])

    import common
    import flags
    import keys
    import ketama
    import modula

    _lock = lock()
    fleet = Fleet()
    started = time.monotonic()
    try:
        reference = common.reference(version)
        files = {'ketama.json': ketama.generate(fleet),
                 'modula-python-memcached.json': modula.generate(fleet),
                 'keys.json': keys.generate(fleet)}
        files.update(flags.generate(fleet))
    except SetupError as err:
        print('vectors: %s' % err, file=sys.stderr)
        return 2
    finally:
        fleet.stop()
    os.makedirs(args.out, exist_ok=True)
    for name, data in sorted(files.items()):
        data['reference'] = reference
        common.write_json(os.path.join(args.out, name), data)
    print('vectors: wrote %d files to %s in %.1f s'
          % (len(files), args.out, time.monotonic() - started))
    return 0


if __name__ == '__main__':
    sys.exit(main())
