/**
 * The cluster configuration of configuration endpoints: the strict parser
 * (table tests of what real engines send and of what must be refused), the
 * encoders, round trips and garbage as properties, and the whole `config get
 * cluster` answer through the reply decoder however it is chunked.
 */
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ClusterConfig,
  encodeClusterConfig,
  encodeConfigGet,
  encodeConfigReply,
  isMemkitError,
  parseClusterConfig,
  type Reply,
  ReplyDecoder,
} from '../src/index';
import { cutAt } from './helpers/cut';

const AWS =
  '12\nmyCluster.pc4ldq.0001.use1.cache.amazonaws.com|10.82.235.120|11211 ' +
  'myCluster.pc4ldq.0002.use1.cache.amazonaws.com|10.80.249.27|11211\n';

function refused(data: string | Uint8Array, why: RegExp): void {
  let caught: unknown;
  try {
    parseClusterConfig(data);
  } catch (err) {
    caught = err;
  }
  expect(isMemkitError(caught, 'ERR_PROTOCOL'), String(caught)).toBe(true);
  expect((caught as Error).message).toMatch(why);
}

describe('parseClusterConfig', () => {
  it('reads the ElastiCache example: version, host names, IPs and ports', () => {
    expect(parseClusterConfig(Buffer.from(AWS))).toEqual({
      version: 12,
      nodes: [
        { host: 'myCluster.pc4ldq.0001.use1.cache.amazonaws.com', ip: '10.82.235.120', port: 11211 },
        { host: 'myCluster.pc4ldq.0002.use1.cache.amazonaws.com', ip: '10.80.249.27', port: 11211 },
      ],
    });
  });

  it('accepts an empty IP field, IPv6 addresses, CRLF line ends, repeated spaces and trailing blank lines', () => {
    expect(parseClusterConfig('3\r\na.example||11211  b.example|fd00::1|11212 \r\n\n\r\n')).toEqual({
      version: 3,
      nodes: [
        { host: 'a.example', ip: '', port: 11211 },
        { host: 'b.example', ip: 'fd00::1', port: 11212 },
      ],
    });
  });

  it('reads a sub-array of a larger buffer (a data block view) without looking outside it', () => {
    const whole = Buffer.from(`xx${AWS}yy`);
    expect(parseClusterConfig(whole.subarray(2, 2 + AWS.length)).version).toBe(12);
  });

  const bad: Array<[string, string, RegExp]> = [
    ['empty block', '', /version line/],
    ['version only', '12\n', /version line/],
    ['no newline at the end', '12\na|1.2.3.4|11211', /newline/],
    ['no newline after trailing text', '12\na||1\n\nx', /does not end with a newline/],
    ['version not a number', 'v12\na||1\n', /not a number/],
    ['negative version', '-1\na||1\n', /not a number/],
    ['version beyond 2^53', '9007199254740993\na||1\n', /not a number/],
    ['empty node list', '12\n\n', /node list is empty/],
    ['blank node list', '12\n   \n', /node list is empty/],
    ['two fields', '12\na|11211\n', /not host\|ip\|port/],
    ['four fields', '12\na|1.2.3.4|11211|x\n', /not host\|ip\|port/],
    ['empty host', '12\n|1.2.3.4|11211\n', /invalid host/],
    ['host with a slash', '12\na/b|1.2.3.4|11211\n', /invalid host/],
    ['IP that is not one', '12\na|not-an-ip|11211\n', /invalid IP/],
    ['IPv4 out of range', '12\na|10.0.0.256|11211\n', /invalid IP/],
    ['port zero', '12\na|1.2.3.4|0\n', /outside 1-65535/],
    ['port too large', '12\na|1.2.3.4|65536\n', /outside 1-65535/],
    ['port not a number', '12\na|1.2.3.4|11x\n', /invalid port/],
    ['empty port', '12\na|1.2.3.4|\n', /invalid port/],
    ['node listed twice', '12\na||11211 a|1.2.3.4|11211\n', /listed twice/],
    ['text after the node list', '12\na||11211\nEND\n', /unexpected line 3/],
    ['a NUL byte', '12\na||11211\0\n', /unexpected byte 0x0/],
    ['a non-ASCII byte', '12\nä||11211\n', /unexpected byte 0xe4/],
    ['a stray CR inside a line', '12\na||1\r1211\n', /invalid port/],
  ];
  for (const [name, data, why] of bad) {
    it(`refuses ${name}`, () => refused(Buffer.from(data, 'latin1'), why));
  }

  it('refuses a block over the size limit before looking at it', () => {
    refused(Buffer.alloc(1024 * 1024 + 1, 0x31), /more than/);
  });
});

describe('encoders', () => {
  it('encodes config get, refusing keys that could inject a command', () => {
    expect(encodeConfigGet()).toBe('config get cluster\r\n');
    expect(encodeConfigGet('AmazonElastiCache:cluster')).toBe('config get AmazonElastiCache:cluster\r\n');
    for (const key of ['', 'a b', 'x\r\nflush_all', 'é', 'k'.repeat(251)]) {
      expect(() => encodeConfigGet(key)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    }
  });

  it('encodes a configuration block and the whole answer', () => {
    const block = encodeClusterConfig({
      version: 7,
      nodes: [
        { host: 'a', ip: '10.0.0.1', port: 11211 },
        { host: 'b', ip: '', port: 11212 },
      ],
    });
    expect(block.toString('latin1')).toBe('7\na|10.0.0.1|11211 b||11212\n');
    expect(encodeConfigReply('cluster', block).toString('latin1')).toBe(
      'CONFIG cluster 0 28\r\n7\na|10.0.0.1|11211 b||11212\n\r\nEND\r\n',
    );
  });

  it('refuses to encode what the parser would refuse', () => {
    const bad: ClusterConfig[] = [
      { version: 1, nodes: [] },
      { version: -1, nodes: [{ host: 'a', ip: '', port: 1 }] },
      { version: 1.5, nodes: [{ host: 'a', ip: '', port: 1 }] },
      { version: 1, nodes: [{ host: 'a b', ip: '', port: 1 }] },
      { version: 1, nodes: [{ host: 'a', ip: '', port: 70000 }] },
      { version: 1, nodes: [{ host: 'a|b', ip: '', port: 1 }] },
    ];
    for (const config of bad) {
      expect(() => encodeClusterConfig(config)).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
      );
    }
  });
});

const hostArb = fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,30}$/);
const ipArb = fc.oneof(
  fc.constant(''),
  fc.ipV4(),
  fc.constantFrom('fd00::1', '::1', '2001:db8::8:800:200c:417a'),
);
const nodeArb = fc.record({ host: hostArb, ip: ipArb, port: fc.integer({ min: 1, max: 65535 }) });
const configArb: fc.Arbitrary<ClusterConfig> = fc.record({
  version: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  nodes: fc.uniqueArray(nodeArb, { minLength: 1, maxLength: 20, selector: (n) => `${n.host}|${n.port}` }),
});

describe('properties', () => {
  it('encode then parse gives the configuration back', () => {
    fc.assert(
      fc.property(configArb, (config) => {
        expect(parseClusterConfig(encodeClusterConfig(config))).toEqual(config);
      }),
      { numRuns: 300 },
    );
  });

  it('the whole answer decodes to the same configuration however it is chunked', () => {
    fc.assert(
      fc.property(configArb, fc.array(fc.nat(), { maxLength: 8 }), (config, cuts) => {
        const bytes = encodeConfigReply('cluster', encodeClusterConfig(config));
        const decoder = new ReplyDecoder();
        const replies: Reply[] = [];
        for (const chunk of cutAt(bytes, cuts)) decoder.feed(chunk, (r) => replies.push(r));
        expect(replies.map((r) => r.type)).toEqual(['CONFIG', 'END']);
        const reply = replies[0] as Extract<Reply, { type: 'CONFIG' }>;
        expect(parseClusterConfig(reply.value)).toEqual(config);
        expect(decoder.bufferedBytes).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('random bytes either parse or throw ERR_PROTOCOL, nothing else', () => {
    const pieces = fc.constantFrom(
      '\n',
      '\r\n',
      '|',
      ' ',
      '1',
      '12',
      'a',
      '10.0.0.1',
      '11211',
      '::',
      '\0',
      'é',
    );
    const garbage = fc.oneof(
      fc.uint8Array({ maxLength: 200 }).map((u) => Buffer.from(u)),
      fc.array(pieces, { maxLength: 30 }).map((p) => Buffer.from(p.join(''), 'utf8')),
    );
    fc.assert(
      fc.property(garbage, (data) => {
        try {
          const config = parseClusterConfig(data);
          expect(config.nodes.length).toBeGreaterThan(0);
        } catch (err) {
          expect(isMemkitError(err, 'ERR_PROTOCOL')).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
