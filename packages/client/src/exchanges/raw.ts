/**
 * A raw command (`Client.rawCommand`): one command line memkit does not
 * wrap, sent on a connection of its own whose replies are read as plain
 * lines. The reply is one line, or, with a terminator, every line up to the
 * line equal to it. Error lines never get here: they are mapped like every
 * other error reply (reply-route.ts) and reject the command.
 */
import { type Chunk, ProtocolError, type Reply } from '@memkit/protocol';
import { Exchange, MORE } from './exchange';

export class RawCommandExchange extends Exchange<string[]> {
  override get replyLines(): boolean {
    return true;
  }

  private readonly lines: string[] = [];
  private bytes = 0;

  constructor(
    readonly command: string,
    chunks: Chunk[],
    /** The line that ends the reply (not part of the result); undefined: the reply is one line. */
    private readonly terminator: string | undefined,
    /** Most bytes of reply lines accepted before the reply is refused. */
    private readonly maxReplyBytes: number,
  ) {
    super();
    this.chunks = chunks;
  }

  onReply(reply: Reply, server: string): boolean {
    if (reply.type !== 'LINE') return this.unexpected(reply, server);
    if (this.terminator === undefined) return this.resolve([reply.line]);
    if (reply.line === this.terminator) return this.resolve(this.lines);
    this.bytes += Buffer.byteLength(reply.line, 'utf8') + 2;
    if (this.bytes > this.maxReplyBytes) {
      throw new ProtocolError(
        `${server} ${this.command}: reply over maxReplyBytes (${this.maxReplyBytes}) before ${JSON.stringify(this.terminator)}`,
        { server, command: this.command },
      );
    }
    this.lines.push(reply.line);
    return MORE;
  }
}
