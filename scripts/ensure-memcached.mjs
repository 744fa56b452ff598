// Makes sure what the tests need beside Node is on this machine: a real memcached (integration
// tests), libmemcached-tools, and the Python clients the reference vectors are generated from
// (/usr/bin/python3 with python-memcached, pylibmc and pymemcache). Installs what is missing with
// apt-get when running as root (CI, fresh boxes); otherwise says what to install. Runs before
// `pnpm test`.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const bin = process.env.MEMCACHED_BIN ?? '/usr/bin/memcached';
const missing = [];
if (!existsSync(bin)) missing.push('memcached', 'libmemcached-tools', 'openssl');
for (const [module, pkg] of [
  ['memcache', 'python3-memcache'],
  ['pylibmc', 'python3-pylibmc'],
  ['pymemcache', 'python3-pymemcache'],
]) {
  const probe = spawnSync('/usr/bin/python3', ['-c', `import ${module}`], { stdio: 'ignore' });
  if (probe.status !== 0) missing.push(pkg);
}
if (missing.length === 0) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!isRoot) {
  console.error(
    `missing: ${missing.join(', ')}. Install them (Debian/Ubuntu: sudo apt-get install -y ${missing.join(' ')}); ` +
      'MEMCACHED_BIN may point at another memcached 1.6 binary.',
  );
  process.exit(1);
}
console.log(`installing ${missing.join(', ')} with apt-get`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
execFileSync('apt-get', ['install', '-y', '-qq', ...missing], { stdio: 'inherit', env });
