/**
 * Hands the chunks of queued requests to a socket as few writes as it can:
 * consecutive short strings (command lines) are joined into one, longer
 * strings (text values) and bytes are written as they are, and the socket
 * is corked as soon as more than one write is needed, so that they all leave
 * together (one `writev`). Long strings are not joined because joining
 * would copy them into one more large string for the garbage collector.
 */
import type net from 'node:net';
import type { Chunk } from '@memkit/protocol';

/** Strings up to this many UTF-16 units are joined with their neighbours. */
const JOIN_MAX = 1024;

export class ChunkWriter {
  private socket: net.Socket | undefined;
  private text = '';
  private corked = false;

  /** Begins a write to `socket` (one writer is reused for every write of a connection). */
  start(socket: net.Socket): this {
    this.socket = socket;
    return this;
  }

  put(chunk: Chunk): void {
    if (typeof chunk === 'string' && chunk.length <= JOIN_MAX) {
      this.text += chunk;
      return;
    }
    const socket = this.socket!;
    if (!this.corked) {
      socket.cork();
      this.corked = true;
    }
    if (this.text) {
      socket.write(this.text);
      this.text = '';
    }
    socket.write(chunk);
  }

  /** Writes what is left and uncorks; `done` is called once everything put is written. */
  end(done?: () => void): void {
    const socket = this.socket!;
    if (done) socket.write(this.text, done);
    else if (this.text) socket.write(this.text);
    this.text = '';
    if (this.corked) socket.uncork();
    this.corked = false;
    this.socket = undefined;
  }
}
