/**
 * A DNS server on 127.0.0.1 for discovery tests, answering A, AAAA and SRV
 * questions from records the test changes at will (packets built and read
 * with dns-packet, never by hand). Answers over UDP, which is what the
 * resolver asks first; it can also stop answering (a dead DNS server).
 */
import { createSocket, type Socket } from 'node:dgram';
import dnsPacket, { type Answer, type Packet } from 'dns-packet';

/** The records served, by name (lower case, no trailing dot). */
export interface Zone {
  a?: Record<string, string[]>;
  aaaa?: Record<string, string[]>;
  srv?: Record<string, Array<{ target: string; port: number; priority?: number; weight?: number }>>;
}

export class DnsResponder {
  zone: Zone;
  /** Answer nothing at all (the resolver times out). */
  silent = false;
  /** Every question received: `TYPE name`. */
  readonly questions: string[] = [];
  private readonly socket: Socket;
  port = 0;

  private constructor(zone: Zone) {
    this.zone = zone;
    this.socket = createSocket('udp4');
    this.socket.on('message', (msg, rinfo) => this.answer(msg, rinfo.port, rinfo.address));
  }

  static async start(zone: Zone): Promise<DnsResponder> {
    const r = new DnsResponder(zone);
    await new Promise<void>((resolve) => r.socket.bind(0, '127.0.0.1', resolve));
    r.port = r.socket.address().port;
    return r;
  }

  /** `127.0.0.1:<port>`, for the client's `resolver` option. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  private answer(msg: Buffer, port: number, address: string): void {
    let query: Packet;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      return;
    }
    const answers: Answer[] = [];
    let known = false;
    for (const q of query.questions ?? []) {
      const name = q.name.toLowerCase().replace(/\.$/, '');
      this.questions.push(`${q.type} ${name}`);
      const z = this.zone;
      if (z.a?.[name] || z.aaaa?.[name] || z.srv?.[name]) known = true;
      if (q.type === 'A')
        for (const ip of z.a?.[name] ?? []) answers.push({ type: 'A', name: q.name, ttl: 1, data: ip });
      if (q.type === 'AAAA') {
        for (const ip of z.aaaa?.[name] ?? []) answers.push({ type: 'AAAA', name: q.name, ttl: 1, data: ip });
      }
      if (q.type === 'SRV') {
        for (const s of z.srv?.[name] ?? []) {
          answers.push({
            type: 'SRV',
            name: q.name,
            ttl: 1,
            data: { target: s.target, port: s.port, priority: s.priority ?? 0, weight: s.weight ?? 10 },
          });
        }
      }
    }
    if (this.silent) return;
    const reply = dnsPacket.encode({
      id: query.id,
      type: 'response',
      // Authoritative; NXDOMAIN for names we know nothing about, NOERROR (maybe empty) otherwise.
      flags: dnsPacket.AUTHORITATIVE_ANSWER | (known ? 0 : 3),
      questions: query.questions,
      answers,
    });
    this.socket.send(reply, port, address);
  }
}
