/**
 * One timer for the earliest of many deadlines (`performance.now()` times).
 * A connection or a dialect probe keeps one, not one per request: each
 * request only lowers it, and the owner's sweep re-arms it for the next
 * deadline still pending.
 */
export class DeadlineTimer {
  private timer: NodeJS.Timeout | undefined;
  /** When it fires: +Infinity when not armed, -Infinity while `hold` has it (no deadline moves it then). */
  at = Number.POSITIVE_INFINITY;

  constructor(private readonly onDeadline: () => void) {}

  /** Fires at `at` unless it is already due earlier (or held); an infinite `at` arms nothing. */
  arm(at: number): void {
    if (at === Number.POSITIVE_INFINITY || at >= this.at) return;
    this.start(at, this.fire, at - performance.now());
  }

  /** Runs `fn` after `ms` instead of any deadline; no deadline arms it until `clear`. */
  hold(fn: () => void, ms: number): void {
    this.start(Number.NEGATIVE_INFINITY, fn, ms);
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.at = Number.POSITIVE_INFINITY;
  }

  private start(at: number, fn: () => void, ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.at = at;
    this.timer = setTimeout(fn, Math.max(0, ms));
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.at = Number.POSITIVE_INFINITY;
    this.onDeadline();
  };
}
