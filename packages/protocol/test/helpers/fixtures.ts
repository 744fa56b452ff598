/**
 * Reply byte fixtures with the replies they must decode to: one per reply
 * type and per tricky framing case. Shared by the decoder unit tests and the
 * split-chunk tests. Byte strings are latin1, so "\xff" is the byte 0xff.
 */
import { Buffer } from 'node:buffer';
import type { Reply } from '../../src/replies';

export interface Fixture {
  name: string;
  bytes: Buffer;
  replies: Reply[];
}

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

export const FIXTURES: Fixture[] = [
  {
    name: 'get hit',
    bytes: b('VALUE foo 0 3\r\nbar\r\nEND\r\n'),
    replies: [{ type: 'VALUE', key: 'foo', flags: 0, value: b('bar') }, { type: 'END' }],
  },
  {
    name: 'gets hit with cas and flags',
    bytes: b('VALUE k 4294967295 5 18446744073709551615\r\nhello\r\nEND\r\n'),
    replies: [
      { type: 'VALUE', key: 'k', flags: 4294967295, value: b('hello'), cas: 18446744073709551615n },
      { type: 'END' },
    ],
  },
  {
    name: 'multi-get with an empty value and a value containing protocol text',
    bytes: b('VALUE a 1 0\r\n\r\nVALUE b 2 18 7\r\nEND\r\nVALUE x 0 1\r\n\r\nEND\r\n'),
    replies: [
      { type: 'VALUE', key: 'a', flags: 1, value: b('') },
      { type: 'VALUE', key: 'b', flags: 2, value: b('END\r\nVALUE x 0 1\r\n'), cas: 7n },
      { type: 'END' },
    ],
  },
  {
    name: 'UTF-8 key and binary value',
    bytes: Buffer.concat([b('VALUE '), Buffer.from('héllo✓', 'utf8'), b(' 16 4\r\n\x00\xff\r\n\r\nEND\r\n')]),
    replies: [{ type: 'VALUE', key: 'héllo✓', flags: 16, value: b('\x00\xff\r\n') }, { type: 'END' }],
  },
  { name: 'miss', bytes: b('END\r\n'), replies: [{ type: 'END' }] },
  {
    name: 'status words',
    bytes: b('STORED\r\nNOT_STORED\r\nEXISTS\r\nNOT_FOUND\r\nDELETED\r\nTOUCHED\r\nOK\r\nERROR\r\nRESET\r\n'),
    replies: [
      { type: 'STORED' },
      { type: 'NOT_STORED' },
      { type: 'EXISTS' },
      { type: 'NOT_FOUND' },
      { type: 'DELETED' },
      { type: 'TOUCHED' },
      { type: 'OK' },
      { type: 'ERROR' },
      { type: 'RESET' },
    ],
  },
  {
    name: 'ERROR with a reason',
    bytes: b('ERROR cannot pipeline other commands before metadump\r\n'),
    replies: [{ type: 'ERROR', message: 'cannot pipeline other commands before metadump' }],
  },
  {
    name: 'incr/decr numbers, one space-padded',
    bytes: b('0\r\n42\r\n18446744073709551615\r\n7   \r\n'),
    replies: [
      { type: 'NUMBER', value: 0n },
      { type: 'NUMBER', value: 42n },
      { type: 'NUMBER', value: 18446744073709551615n },
      { type: 'NUMBER', value: 7n },
    ],
  },
  {
    name: 'stats',
    bytes: b(
      'STAT pid 1234\r\nSTAT version 1.6.18\r\nSTAT libevent 2.1.12-stable\r\nSTAT rusage 0.1 x\r\nEND\r\n',
    ),
    replies: [
      { type: 'STAT', name: 'pid', value: '1234' },
      { type: 'STAT', name: 'version', value: '1.6.18' },
      { type: 'STAT', name: 'libevent', value: '2.1.12-stable' },
      { type: 'STAT', name: 'rusage', value: '0.1 x' },
      { type: 'END' },
    ],
  },
  { name: 'version', bytes: b('VERSION 1.6.18\r\n'), replies: [{ type: 'VERSION', version: '1.6.18' }] },
  {
    name: 'client and server errors',
    bytes: b('CLIENT_ERROR bad command line format\r\nSERVER_ERROR out of memory storing object\r\n'),
    replies: [
      { type: 'CLIENT_ERROR', message: 'bad command line format' },
      { type: 'SERVER_ERROR', message: 'out of memory storing object' },
    ],
  },
  {
    name: 'crawler refusal as SERVER_ERROR',
    bytes: b('BUSY currently processing crawler request\r\n'),
    replies: [{ type: 'SERVER_ERROR', message: 'BUSY currently processing crawler request' }],
  },
  {
    name: 'meta status replies',
    bytes: b('HD\r\nEN\r\nNS\r\nEX\r\nNF\r\nMN\r\n'),
    replies: [{ type: 'HD' }, { type: 'EN' }, { type: 'NS' }, { type: 'EX' }, { type: 'NF' }, { type: 'MN' }],
  },
  {
    name: 'meta HD with every return flag, plus unknown ones',
    bytes: b('HD s3 t-1 f7 c99 kfoo h1 l3 O123 b W X Z Q? 9x\r\n'),
    replies: [
      {
        type: 'HD',
        size: 3,
        ttl: -1,
        flags: 7,
        cas: 99n,
        key: 'foo',
        hit: true,
        lastAccess: 3,
        opaque: '123',
        base64: true,
        win: true,
        stale: true,
        winSent: true,
      },
    ],
  },
  {
    name: 'meta VA with flags, a vivified empty value and a base64 key',
    bytes: b('VA 3 s3 t30 c4 h0 Oop\r\nabc\r\nVA 0 c3 t30 W\r\n\r\nVA 3 kaGVsbG8= b\r\nxyz\r\n'),
    replies: [
      { type: 'VA', value: b('abc'), size: 3, ttl: 30, cas: 4n, hit: false, opaque: 'op' },
      { type: 'VA', value: b(''), cas: 3n, ttl: 30, win: true },
      { type: 'VA', value: b('xyz'), key: 'aGVsbG8=', base64: true },
    ],
  },
  {
    name: 'meta EX/NF/NS with opaque',
    bytes: b('EX O1\r\nNF O2 kbar\r\nNS c0\r\n'),
    replies: [
      { type: 'EX', opaque: '1' },
      { type: 'NF', opaque: '2', key: 'bar' },
      { type: 'NS', cas: 0n },
    ],
  },
  {
    name: 'meta debug',
    bytes: b('ME foo exp=-1 la=3 cas=1 fetch=no cls=1 size=65\r\n'),
    replies: [
      {
        type: 'ME',
        key: 'foo',
        fields: { exp: '-1', la: '3', cas: '1', fetch: 'no', cls: '1', size: '65' },
      },
    ],
  },
  {
    name: 'config get cluster (ElastiCache configuration endpoint)',
    bytes: b(
      'CONFIG cluster 0 81\r\n12\nmc.0001.cache.amazonaws.com|10.0.0.1|11211 mc.0002.cache.amazonaws.com||11212\n\r\nEND\r\n',
    ),
    replies: [
      {
        type: 'CONFIG',
        key: 'cluster',
        flags: 0,
        value: b('12\nmc.0001.cache.amazonaws.com|10.0.0.1|11211 mc.0002.cache.amazonaws.com||11212\n'),
      },
      { type: 'END' },
    ],
  },
  {
    name: 'metadump (bare LF lines, as memcached 1.6 sends them) then END',
    bytes: b(
      'key=foo exp=-1 la=1795634036 cas=1 fetch=no cls=1 size=65\n' +
        'key=hello%20world%0D%0A exp=-1 la=5 cas=2 fetch=yes cls=1 size=75\r\n' +
        'key=%C3%A9%FF exp=100 la=1 cas=3 fetch=no cls=2 size=80\n' +
        'END\r\n',
    ),
    replies: [
      {
        type: 'METADUMP',
        key: 'foo',
        fields: { key: 'foo', exp: '-1', la: '1795634036', cas: '1', fetch: 'no', cls: '1', size: '65' },
      },
      {
        type: 'METADUMP',
        key: 'hello world\r\n',
        fields: {
          key: 'hello%20world%0D%0A',
          exp: '-1',
          la: '5',
          cas: '2',
          fetch: 'yes',
          cls: '1',
          size: '75',
        },
      },
      {
        type: 'METADUMP',
        key: 'é\ufffd',
        fields: { key: '%C3%A9%FF', exp: '100', la: '1', cas: '3', fetch: 'no', cls: '2', size: '80' },
      },
      { type: 'END' },
    ],
  },
];

/** Every fixture back to back: one stream with every reply type. */
export const ALL_FIXTURES: Fixture = {
  name: 'all fixtures concatenated',
  bytes: Buffer.concat(FIXTURES.map((f) => f.bytes)),
  replies: FIXTURES.flatMap((f) => f.replies),
};
