/**
 * One direction of a proxied connection: reads from `src`, queues chunks with their due time,
 * and writes them to `dst` in order, honouring latency, stalls, one-byte dribbling, the peer's
 * backpressure, and "close after this chunk" faults. At most one timer or immediate is pending,
 * and the queue is bounded by pausing `src`.
 */
import type { Socket } from 'node:net';

/** What the owning connection decides for this direction. */
export interface PumpPolicy {
  /** Rewrites a chunk as it is read; `closeAfter` closes the connection once it is forwarded. */
  ingest(chunk: Buffer): { data: Buffer; closeAfter: boolean };
  /** Delay for a chunk read now. */
  latencyMs(): number;
  /** True while nothing may be forwarded. */
  held(): boolean;
  /** True to forward one byte per event-loop turn. */
  slow(): boolean;
  /** Last look before writing: may shorten `data` and ask to close after it. */
  egress(data: Buffer): { data: Buffer; closeAfter: boolean };
  /** Counts forwarded bytes. */
  forwarded(bytes: number): void;
  /** Closes the whole connection (both sockets). */
  close(): void;
}

interface Item {
  due: number;
  data: Buffer;
  closeAfter: boolean;
}

const HIGH_WATER = 1 << 20;
const LOW_WATER = 1 << 18;

/** Moves bytes from `src` to `dst` under a {@link PumpPolicy}. */
export class Pump {
  private queue: Item[] = [];
  private queued = 0;
  private lastDue = 0;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private waitingDrain = false;
  private paused = false;
  private srcEnded = false;
  /** A close-after item is queued: ignore anything read after it. */
  private sealed = false;
  private done = false;

  constructor(
    private readonly src: Socket,
    private readonly dst: Socket,
    private readonly policy: PumpPolicy,
  ) {
    src.on('data', (chunk: Buffer) => this.onData(chunk));
    src.on('end', () => {
      this.srcEnded = true;
      this.kick();
    });
  }

  /** Forward whatever is due now; call after the faults change. */
  kick(): void {
    if (this.done || this.timer || this.immediate || this.waitingDrain) return;
    for (;;) {
      const head = this.queue[0];
      if (!head) {
        if (this.srcEnded && !this.sealed) {
          this.done = true;
          this.dst.end();
        }
        return;
      }
      if (this.policy.held()) return;
      const wait = head.due - performance.now();
      if (wait > 0) {
        this.timer = setTimeout(() => this.wake(), Math.ceil(wait));
        return;
      }
      let data = head.data;
      let closeAfter = head.closeAfter;
      if (this.policy.slow() && data.length > 1) {
        head.data = data.subarray(1);
        data = data.subarray(0, 1);
        closeAfter = false;
      } else this.queue.shift();
      this.queued -= data.length;
      const out = this.policy.egress(data);
      this.policy.forwarded(out.data.length);
      if (closeAfter || out.closeAfter) {
        this.dispose();
        // Close only once the bytes reached the kernel, so the peer sees them, then the close.
        this.dst.write(out.data, () => this.policy.close());
        return;
      }
      const flushed = this.dst.write(out.data);
      this.maybeResume();
      if (!flushed) {
        this.waitingDrain = true;
        this.dst.once('drain', () => {
          this.waitingDrain = false;
          this.kick();
        });
        return;
      }
      if (this.policy.slow()) {
        this.immediate = setImmediate(() => this.wake());
        return;
      }
    }
  }

  /** Stops for good: drops the queue and clears timers. The sockets are the owner's. */
  dispose(): void {
    this.done = true;
    this.queue = [];
    this.queued = 0;
    clearTimeout(this.timer);
    clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }

  private wake(): void {
    this.timer = undefined;
    this.immediate = undefined;
    this.kick();
  }

  private onData(chunk: Buffer): void {
    if (this.done || this.sealed) return;
    const { data, closeAfter } = this.policy.ingest(chunk);
    if (closeAfter) this.sealed = true;
    const due = Math.max(performance.now() + this.policy.latencyMs(), this.lastDue);
    this.lastDue = due;
    this.queue.push({ due, data, closeAfter });
    this.queued += data.length;
    if (this.queued > HIGH_WATER && !this.paused) {
      this.paused = true;
      this.src.pause();
    }
    this.kick();
  }

  private maybeResume(): void {
    if (this.paused && this.queued < LOW_WATER) {
      this.paused = false;
      this.src.resume();
    }
  }
}
