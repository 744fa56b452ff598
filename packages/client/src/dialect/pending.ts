/**
 * The dialect of a server whose protocol is not known yet (`protocol:
 * 'auto'` before the server's probe answered). Each builder returns a
 * `DeferredExchange`: the command as the meta dialect writes it, built at
 * once (so a bad key or value fails the call before anything is sent, as
 * with a known dialect), and rebuilt in the text dialect if that is what the
 * probe finds. The pool holds these until the probe answers
 * (connection/dialect-probe.ts), so no byte is written in a dialect the
 * server may not speak.
 *
 * Commands that are the same text in both dialects (multi-key gets of
 * string keys, `stats`, `version`, `flush_all`, metadump) need no deferral;
 * they are held all the same, so commands keep the order they were issued in.
 * `lease` is undefined: `getOrSet` waits for the probe before it chooses.
 * `incr`/`decr` with `initial` take the step-by-step path (see
 * commands/mutation.ts), which both dialects can write.
 */
import { Exchange } from '../exchanges/exchange';
import type { Dialect } from './dialect';
import { metaDialect } from './meta';
import { textShared } from './text';

/**
 * A command waiting for its server's dialect. It is never written itself:
 * `bind` gives the exchange to write, whose outcome becomes this one's.
 */
export class DeferredExchange<T> extends Exchange<T> {
  readonly command: string;

  constructor(
    /** The command in the meta dialect, used as it is if the server speaks meta. */
    private readonly speculative: Exchange<T>,
    /** The command in another dialect (may throw, e.g. a binary key in text). */
    private readonly rebuild: (dialect: Dialect) => Exchange<T>,
  ) {
    super();
    this.command = speculative.command;
    this.keyCount = speculative.keyCount;
  }

  /** Never written: a reply for it is a broken stream. */
  onReply(reply: Parameters<Exchange['onReply']>[0], server: string): boolean {
    return this.unexpected(reply, server);
  }

  /**
   * The exchange to write to a server speaking `dialect`, carrying this
   * one's deadline and signal and settling it. Undefined when the command
   * cannot be written in that dialect: this one is then rejected with why.
   */
  bind(dialect: Dialect): Exchange<T> | undefined {
    let real: Exchange<T>;
    try {
      real = dialect === metaDialect ? this.speculative : this.rebuild(dialect);
    } catch (err) {
      this.reject(err as Error);
      return undefined;
    }
    this.detachSignal();
    real.deadline = this.deadline;
    real.signal = this.signal;
    real.hook = {
      settled: (ok, value) => {
        if (ok) this.resolve(value as T);
        else this.reject(value as Error);
      },
    };
    // The outcome reaches the caller through the hook and this exchange's promise.
    real.promise.catch(() => {});
    return real;
  }
}

function defer<T>(speculative: Exchange<T>, rebuild: (dialect: Dialect) => Exchange<T>): Exchange<T> {
  return new DeferredExchange(speculative, rebuild);
}

export const pendingDialect: Dialect = {
  name: 'auto',
  ...textShared,
  lease: undefined,
  // Reads go to the server without the near cache until the probe tells whether it speaks meta.
  near: undefined,

  getMulti(command, wires, keys, out, serializer, withCas, base64) {
    // Without binary wire keys both dialects write the same `get` lines.
    if (!base64?.includes(true)) {
      return textShared.getMulti(command, wires, keys, out, serializer, withCas, undefined);
    }
    return defer(metaDialect.getMulti(command, wires, keys, out, serializer, withCas, base64), (d) =>
      d.getMulti(command, wires, keys, out, serializer, withCas, base64),
    );
  },

  checkKey(key) {
    // Whatever meta can write; a binary key fails later if the server turns out to speak text.
    metaDialect.checkKey(key);
  },

  retrieve(kind, key, exptime, serializer) {
    return defer(metaDialect.retrieve(kind, key, exptime, serializer), (d) =>
      d.retrieve(kind, key, exptime, serializer),
    );
  },

  store(kind, key, value, exptime, cas, quiet) {
    return defer(metaDialect.store(kind, key, value, exptime, cas, quiet), (d) =>
      d.store(kind, key, value, exptime, cas, quiet),
    );
  },

  delete(key) {
    return defer(metaDialect.delete(key), (d) => d.delete(key));
  },

  arithmetic(kind, key, args) {
    // Creating in one round trip is meta only: the step-by-step path works in both.
    if (args.create) return undefined;
    return defer(metaDialect.arithmetic(kind, key, args)!, (d) => d.arithmetic(kind, key, args)!);
  },

  touch(key, exptime) {
    return defer(metaDialect.touch(key, exptime), (d) => d.touch(key, exptime));
  },

  setMulti(wires, values, exptime, base64) {
    return defer(metaDialect.setMulti(wires, values, exptime, base64), (d) =>
      d.setMulti(wires, values, exptime, base64),
    );
  },

  deleteMulti(wires, base64) {
    return defer(metaDialect.deleteMulti(wires, base64), (d) => d.deleteMulti(wires, base64));
  },
};
