#!/usr/bin/python3
"""Compares two sets of vector files on every value both have.

    /usr/bin/python3 scripts/vectors/compare.py OLD_DIR NEW_DIR

Lists of named entries are matched by name, per-key arrays (`server_index`, `hash`) by key,
and everything else by position; values only one side has are counted, not compared. Counts over
the key list (`of_keys`, `verified`, affected keys), prose and the recorded versions are skipped: they describe a run, not a
behaviour. Exits 1 when a shared value differs.
"""

import json
import os
import sys

SKIP = {'verified', 'of_keys', 'hypothesis_checks', 'reference', 'verified_keys', 'seed',
        'variant', 'about', 'description', 'note', 'server_behaviour', 'rules',
        'one_at_a_time_sign_extension_affected_keys'}
PER_KEY = {'server_index', 'hash'}


def by_key(data):
    """Replaces per-key arrays with {key hex: value} maps so that different key lists compare."""
    keys = data.get('keys') if isinstance(data, dict) else None
    if not keys or 'hex' not in keys[0]:
        return data
    hexes = [k['hex'] for k in keys]

    def walk(node):
        if isinstance(node, dict):
            return {k: (dict(zip(hexes, v)) if k in PER_KEY and isinstance(v, list)
                        and len(v) == len(hexes) else walk(v)) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(x) for x in node]
        return node

    out = walk(data)
    out['keys'] = {k['hex']: k for k in keys}
    return out


def index(items):
    for field in ('name', 'flavour', 'hex', 'hashvalue'):
        if items and all(isinstance(x, dict) and field in x for x in items):
            return {x[field]: x for x in items}
    return None


def compare(a, b, path, stats):
    if isinstance(a, dict) and isinstance(b, dict):
        for k in a.keys() & b.keys():
            if k not in SKIP:
                compare(a[k], b[k], path + '.' + str(k), stats)
        stats['only_one_side'] += len(a.keys() ^ b.keys())
        return
    if isinstance(a, list) and isinstance(b, list):
        ia, ib = index(a), index(b)
        if ia is not None and ib is not None:
            compare(ia, ib, path, stats)
            return
        if len(a) != len(b):
            stats['differences'].append('%s: lengths %d and %d' % (path, len(a), len(b)))
            return
        for i, (x, y) in enumerate(zip(a, b)):
            compare(x, y, '%s[%d]' % (path, i), stats)
        return
    stats['compared'] += 1
    if a != b:
        stats['differences'].append('%s: %r != %r' % (path, a, b))


def main(old_dir, new_dir):
    failed = False
    for name in sorted(os.listdir(old_dir)):
        if not name.endswith('.json'):
            continue
        new_path = os.path.join(new_dir, name)
        if not os.path.exists(new_path):
            print('%s: missing in %s' % (name, new_dir))
            failed = True
            continue
        with open(os.path.join(old_dir, name), encoding='utf-8') as f:
            old = by_key(json.load(f))
        with open(new_path, encoding='utf-8') as f:
            new = by_key(json.load(f))
        stats = {'compared': 0, 'only_one_side': 0, 'differences': []}
        compare(old, new, name, stats)
        print('%s: %d shared values compared, %d differ, %d fields on one side only'
              % (name, stats['compared'], len(stats['differences']), stats['only_one_side']))
        for line in stats['differences'][:20]:
            print('  ' + line)
        failed = failed or bool(stats['differences'])
    return 1 if failed else 0


if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
