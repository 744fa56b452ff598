// Reference "client" for getMulti (workload f): the minimal hand-written Node
// loop that bounds what a JavaScript client can do on this box. One socket,
// `get k1 … k100` per call, the reply parsed straight from the receive
// buffer: find each VALUE line, read the key and the byte count, take the
// value with utf8Slice, Map.set. No key validation, no timeouts, no error
// handling beyond what the harness's own checks need (the smoke test's
// set/get/miss/delete). It is a measuring stick like memaslap, not a client:
// it runs workload f only, and the ratio table divides memkit's getMulti
// keys/s by its keys/s.
import net from 'node:net';

export const meta = {
  name: 'floor',
  package: '(hand-written reference loop, bench/adapters/floor.mjs)',
  version: undefined,
  protocol: 'ascii',
  reference: true,
  only: ['f'],
  options: 'one socket, pipelined, no validation or safety checks',
};

const CR = 13;
const SPACE = 32;

export async function create(servers) {
  const [host, port] = servers[0].split(':');
  const sock = net.connect({ host, port: Number(port) });
  sock.setNoDelay(true);
  await new Promise((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', reject);
  });
  const queue = []; // FIFO of { parse(buf, pos) -> next pos or -1, resolve }
  let head = 0;
  let buf = Buffer.alloc(0);
  sock.on('data', (chunk) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    let pos = 0;
    while (head < queue.length) {
      const next = queue[head].parse(buf, pos);
      if (next < 0) break;
      pos = next;
      queue[head++] = undefined;
    }
    if (head === queue.length) {
      queue.length = 0;
      head = 0;
    }
    buf = pos >= buf.length ? Buffer.alloc(0) : buf.subarray(pos);
  });
  const send = (line, parse) =>
    new Promise((resolve) => {
      queue.push({ parse: (b, pos) => parse(b, pos, resolve) });
      sock.write(line);
    });
  // Values of a `get` reply into `out` (a Map); -1 until the whole reply is here.
  const parseValues = (b, pos, out) => {
    for (;;) {
      const eol = b.indexOf(CR, pos);
      if (eol < 0) return -1;
      if (b[pos] === 69) return eol + 2; // "END"
      const keyEnd = b.indexOf(SPACE, pos + 6);
      const flagsEnd = b.indexOf(SPACE, keyEnd + 1);
      let len = 0;
      for (let i = flagsEnd + 1; i < eol; i++) len = len * 10 + b[i] - 48;
      const start = eol + 2;
      if (start + len + 2 > b.length) return -1;
      out.set(b.latin1Slice(pos + 6, keyEnd), b.utf8Slice(start, start + len));
      pos = start + len + 2;
    }
  };
  const lineReply = (b, pos, resolve) => {
    const eol = b.indexOf(CR, pos);
    if (eol < 0) return -1;
    resolve(b.latin1Slice(pos, eol));
    return eol + 2;
  };
  const getMulti = (keys) =>
    send(`get ${keys.join(' ')}\r\n`, (b, pos, resolve) => {
      const out = new Map();
      const next = parseValues(b, pos, out);
      if (next >= 0) resolve(out);
      return next;
    });
  return {
    getMulti,
    get: async (key) => (await getMulti([key])).get(key),
    set: async (key, value, ttl = 0) =>
      (await send(`set ${key} 0 ${ttl} ${Buffer.byteLength(value)}\r\n${value}\r\n`, lineReply)) === 'STORED',
    delete: (key) => send(`delete ${key}\r\n`, lineReply),
    close: async () => sock.destroy(),
  };
}
