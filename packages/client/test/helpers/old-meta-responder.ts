/**
 * A small memcached of our own that answers like engines whose meta protocol
 * memkit cannot speak, for `protocol: 'auto'` tests. By default it is AWS
 * ElastiCache 1.6.6: `version` says 1.6.6, `mn` answers `MN` (as memcached
 * 1.6.6 does), and meta commands get the pre-release answers (`OK` where
 * 1.6.10 answers `HD`; values are not emulated); `mnReply` makes `mn` answer
 * something else. The text protocol (get/gets, set/add/replace, delete,
 * incr/decr, touch, flush_all) works, on a plain map, and so does
 * `lru_crawler metadump all`; `metadump hash` (memcached 1.6.9) is refused
 * with `BADCLASS`, as 1.6.6 does. Every command line received is kept.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { type Request, RequestDecoder } from '@memkit/protocol';

export interface OldMetaOptions {
  /** What `version` answers. Default `'1.6.6'`. */
  version?: string;
  /** What `mn` answers. Default `'MN'`. */
  mnReply?: string;
  /** Never answer anything (a server that hangs). */
  silent?: boolean;
}

interface Item {
  value: Buffer;
  flags: number;
  cas: bigint;
}

export class OldMetaResponder {
  /** Every command line received (first line of each request), in order. */
  readonly lines: string[] = [];
  port = 0;
  private readonly items = new Map<string, Item>();
  private readonly sockets = new Set<Socket>();
  private cas = 0n;
  private readonly server: Server;

  private constructor(private readonly options: OldMetaOptions) {
    this.server = createServer((socket) => this.serve(socket));
  }

  static async start(options: OldMetaOptions = {}): Promise<OldMetaResponder> {
    const r = new OldMetaResponder(options);
    await new Promise<void>((resolve) => r.server.listen(0, '127.0.0.1', resolve));
    r.port = (r.server.address() as { port: number }).port;
    return r;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    const decoder = new RequestDecoder();
    socket.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString('latin1').split('\r\n')) if (line) this.lines.push(line);
      if (this.options.silent) return;
      let out = '';
      decoder.feed(chunk, (req) => {
        out += this.answer(req);
      });
      if (out) socket.write(out, 'latin1');
    });
  }

  private answer(req: Request): string {
    switch (req.type) {
      case 'version':
        return `VERSION ${this.options.version ?? '1.6.6'}\r\n`;
      case 'mn':
        return `${this.options.mnReply ?? 'MN'}\r\n`;
      case 'retrieval': {
        let out = '';
        for (const key of req.keys) {
          const it = this.items.get(key);
          if (!it) continue;
          const cas = req.command === 'gets' || req.command === 'gats' ? ` ${it.cas}` : '';
          out += `VALUE ${key} ${it.flags} ${it.value.length}${cas}\r\n${it.value.toString('latin1')}\r\n`;
        }
        return `${out}END\r\n`;
      }
      case 'storage': {
        const exists = this.items.has(req.key);
        if ((req.command === 'add' && exists) || (req.command === 'replace' && !exists))
          return 'NOT_STORED\r\n';
        this.items.set(req.key, { value: Buffer.from(req.value), flags: req.flags, cas: ++this.cas });
        return 'STORED\r\n';
      }
      case 'delete':
        return this.items.delete(req.key) ? 'DELETED\r\n' : 'NOT_FOUND\r\n';
      case 'touch':
        return this.items.has(req.key) ? 'TOUCHED\r\n' : 'NOT_FOUND\r\n';
      case 'arithmetic': {
        const it = this.items.get(req.key);
        if (!it) return 'NOT_FOUND\r\n';
        const now = BigInt(it.value.toString('latin1'));
        const next = req.command === 'incr' ? now + req.delta : now > req.delta ? now - req.delta : 0n;
        it.value = Buffer.from(String(next), 'latin1');
        it.cas = ++this.cas;
        return `${next}\r\n`;
      }
      case 'flush_all':
        this.items.clear();
        return 'OK\r\n';
      case 'metadump': {
        if (req.classes !== 'all') return 'BADCLASS invalid class id\r\n';
        let out = '';
        for (const [key, it] of this.items)
          out += `key=${encodeURIComponent(key)} exp=-1 la=0 cas=${it.cas} fetch=no cls=1 size=${it.value.length}\n`;
        return `${out}END\r\n`;
      }
      // The pre-release dialect: OK where memcached 1.6.10 answers HD.
      case 'ms':
        this.items.set(req.key, { value: Buffer.from(req.value), flags: 0, cas: ++this.cas });
        return 'OK\r\n';
      case 'md':
        return this.items.delete(req.key) ? 'OK\r\n' : 'NF\r\n';
      case 'mg':
        return this.items.has(req.key) ? 'OK\r\n' : 'EN\r\n';
      case 'ma':
        return 'NF\r\n';
      default:
        return 'ERROR\r\n';
    }
  }
}
