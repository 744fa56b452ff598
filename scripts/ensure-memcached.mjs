// Makes sure the real memcached the integration tests need is on this machine.
// Installs it with apt-get when missing and running as root (CI, fresh boxes);
// otherwise explains what to install. Runs before `pnpm test`.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const bin = process.env.MEMCACHED_BIN ?? '/usr/bin/memcached';
if (existsSync(bin)) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!isRoot) {
  console.error(
    `memcached not found at ${bin}. Install it (Debian/Ubuntu: sudo apt-get install -y memcached libmemcached-tools) ` +
      'or point MEMCACHED_BIN at a memcached 1.6 binary.',
  );
  process.exit(1);
}
console.log('memcached missing: installing memcached, libmemcached-tools and python clients with apt-get');
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
execFileSync(
  'apt-get',
  [
    'install',
    '-y',
    '-qq',
    'memcached',
    'libmemcached-tools',
    'python3-memcache',
    'python3-pylibmc',
    'openssl',
  ],
  { stdio: 'inherit', env },
);
