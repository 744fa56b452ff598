/**
 * `protocol: 'auto'` for one server pool: the first request starts the
 * protocol probe (exchanges/protocol-probe.ts) on the pool's first
 * connection, and every request sent meanwhile waits here, in order, each
 * within its own deadline and abort signal. When the verdict is in, the
 * owner sets the pool's dialect, deferred exchanges are bound to it
 * (dialect/pending.ts), and the held requests go out in the order they came,
 * before anything sent later. A probe that fails (connect error, timeout,
 * refusal of service) fails the held requests with its error; the next
 * request probes again. Once the protocol is known the pool drops this
 * object, so it costs nothing afterwards.
 */
import type { MemkitError } from '@memkit/protocol';
import type { ServerNode } from '../cluster/locator';
import type { Dialect } from '../dialect/dialect';
import { DeferredExchange } from '../dialect/pending';
import type { Exchange, SettleHook } from '../exchanges/exchange';
import { ProtocolProbeExchange, type ProtocolVerdict } from '../exchanges/protocol-probe';
import { DeadlineTimer } from './deadline-timer';
import { abortError, timeoutError } from './exchange-errors';

/** What the probe needs from its pool. */
export interface ProbeOwner {
  readonly node: ServerNode;
  /** Puts a request on one of the pool's connections (or rejects it when none can be had). */
  route(req: Exchange): void;
  /** The verdict is in: sets and returns the pool's dialect. */
  learned(verdict: ProtocolVerdict): Dialect;
  /** Says what was learned, once the held requests are on their way (a listener's commands come after them). */
  announce(verdict: ProtocolVerdict): void;
}

export class DialectProbe implements SettleHook {
  private held: Exchange[] = [];
  private probing = false;
  private closed = false;
  private waiters: Array<() => void> = [];
  private readonly deadlines = new DeadlineTimer(() => this.expire());

  constructor(
    private readonly owner: ProbeOwner,
    /** How long the probe may take, connect included, in ms. */
    private readonly probeTimeout: number,
  ) {}

  /** Requests waiting for the verdict. */
  get size(): number {
    return this.held.length;
  }

  /** Holds `req` until the protocol is known, starting the probe if none is under way. */
  hold(req: Exchange): void {
    const signal = req.signal;
    if (signal) {
      if (signal.aborted) {
        req.reject(abortError(this.owner.node, req));
        return;
      }
      req.onAbort = () => this.drop(req, abortError(this.owner.node, req));
      signal.addEventListener('abort', req.onAbort, { once: true });
    }
    this.held.push(req);
    this.deadlines.arm(req.deadline);
    this.start();
  }

  /** Resolves once the protocol is known, the probe failed, or the pool closed (starting a probe if needed). */
  known(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.start();
    });
  }

  /** The pool closed: every held request fails with `err`. */
  close(err: MemkitError): void {
    this.closed = true;
    this.finish();
    for (const req of this.held.splice(0)) req.reject(err);
  }

  /** The probe settled (called synchronously, before its promise). */
  settled(ok: boolean, value: unknown): void {
    this.probing = false;
    if (this.closed) return;
    const held = this.held.splice(0);
    this.finish();
    if (!ok) {
      for (const req of held) req.reject(value as Error);
      return;
    }
    const verdict = value as ProtocolVerdict;
    const dialect = this.owner.learned(verdict);
    for (const req of held) {
      if (req.settled) continue;
      req.detachSignal();
      const out = req instanceof DeferredExchange ? req.bind(dialect) : req;
      if (out) this.owner.route(out);
    }
    this.owner.announce(verdict);
  }

  private start(): void {
    if (this.probing || this.closed) return;
    this.probing = true;
    const probe = new ProtocolProbeExchange();
    probe.deadline = performance.now() + this.probeTimeout;
    probe.hook = this;
    // The outcome is handled by `settled`.
    probe.promise.catch(() => {});
    this.owner.route(probe);
  }

  /** Clears the timer and tells the waiters. */
  private finish(): void {
    this.deadlines.clear();
    for (const w of this.waiters.splice(0)) w();
  }

  private drop(req: Exchange, err: MemkitError): void {
    const i = this.held.indexOf(req);
    if (i >= 0) this.held.splice(i, 1);
    req.reject(err);
  }

  /** Times out the held requests whose deadline passed. */
  private expire(): void {
    const now = performance.now();
    let next = Number.POSITIVE_INFINITY;
    const kept: Exchange[] = [];
    for (const req of this.held) {
      if (req.settled) continue;
      if (req.deadline <= now) req.reject(timeoutError(this.owner.node, req));
      else {
        if (req.deadline < next) next = req.deadline;
        kept.push(req);
      }
    }
    this.held = kept;
    this.deadlines.arm(next);
  }
}
