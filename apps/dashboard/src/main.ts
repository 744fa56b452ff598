/**
 * `pnpm start`: the dashboard app from the command line.
 *
 *   MEMCACHED_SERVERS=10.0.0.1:11211,10.0.0.2:11211 pnpm start -- --port 8080
 *   pnpm start -- --load        # in-process servers plus a demo load
 */
import { parseArgs } from 'node:util';
import { startDashboardApp } from './index';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.PORT ?? '8080' },
    host: { type: 'string', default: '127.0.0.1' },
    interval: { type: 'string', default: '1000' },
    load: { type: 'boolean', default: false },
    discover: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  process.stdout.write(
    'usage: pnpm start [-- --port 8080] [--host 127.0.0.1] [--interval 1000] [--load] [--discover host:port]\n' +
      'Watches MEMCACHED_SERVERS, the nodes a configuration endpoint publishes (--discover or\n' +
      'MEMCACHED_DISCOVER), or two in-process @memkit/servers published by an in-process endpoint.\n',
  );
  process.exit(0);
}

const port = Number(values.port);
const intervalMs = Number(values.interval);
if (!Number.isInteger(port) || port < 0 || port > 65535 || !(intervalMs >= 100)) {
  process.stderr.write('dashboard: --port must be 0-65535 and --interval at least 100 (ms)\n');
  process.exit(2);
}

try {
  const app = await startDashboardApp({
    port,
    host: values.host,
    intervalMs,
    load: values.load,
    ...(values.discover ? { discover: values.discover } : {}),
  });
  const where = app.embedded
    ? `in-process @memkit/server ${app.servers.join(', ')} (published by the endpoint ${app.discover})`
    : app.discover
      ? `the nodes ${app.discover} publishes (${app.servers.join(', ')})`
      : app.servers.join(', ');
  process.stdout.write(`dashboard on ${app.url} watching ${where}${app.load ? ' with a demo load' : ''}\n`);
  const stop = async () => {
    await app.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (err) {
  process.stderr.write(`dashboard: ${(err as Error).message}\n`);
  process.exit(1);
}
