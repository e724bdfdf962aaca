/**
 * How many calls of one kind may be under way at once, found while running,
 * as TCP finds its window: twice as many after each round of answers without
 * throttling until the first throttle, one more a round after it; half as
 * many on throttling (once for the calls that were out together, not once
 * per call). For an API that publishes no rate limit, and whose retries draw
 * on a quota that a crowd of throttled calls would empty.
 *
 * Pure: the caller says when a call starts and how it ended.
 */
export interface ConcurrencyGateSettings {
  readonly initial: number;
  readonly min: number;
  readonly max: number;
}

export interface GateTicket {
  /** Ends the call: `throttled` when AWS said to slow down. */
  release(throttled: boolean): void;
}

export interface ConcurrencyGateState {
  readonly limit: number;
  readonly inFlight: number;
  readonly waiting: number;
  readonly decreases: number;
}

export interface ConcurrencyGate {
  /** Resolves when the call may start. */
  acquire(): Promise<GateTicket>;
  state(): ConcurrencyGateState;
}

export function createConcurrencyGate(settings: ConcurrencyGateSettings): ConcurrencyGate {
  const { min, max } = settings;
  let limit = Math.min(max, Math.max(min, settings.initial));
  // Doubling ends at the first throttle, at half the limit it reached.
  let doubleUpTo = max;
  let inFlight = 0;
  let successes = 0;
  // Calls started before the last decrease cannot tell of the new limit: their throttling is not counted again.
  let epoch = 0;
  let decreases = 0;
  const waiting: (() => void)[] = [];

  const ticket = (): GateTicket => {
    const startedIn = epoch;
    let released = false;
    return {
      release(throttled) {
        if (released) return;
        released = true;
        inFlight -= 1;
        if (throttled) {
          if (startedIn === epoch) {
            limit = Math.max(min, Math.floor(limit / 2));
            doubleUpTo = limit;
            epoch += 1;
            decreases += 1;
            successes = 0;
          }
        } else {
          successes += 1;
          if (successes >= limit) {
            limit = Math.min(max, limit < doubleUpTo ? Math.min(doubleUpTo, limit * 2) : limit + 1);
            successes = 0;
          }
        }
        while (inFlight < limit && waiting.length > 0) {
          inFlight += 1;
          waiting.shift()?.();
        }
      },
    };
  };

  return {
    acquire() {
      if (inFlight < limit && waiting.length === 0) {
        inFlight += 1;
        return Promise.resolve(ticket());
      }
      return new Promise((resolve) => waiting.push(() => resolve(ticket())));
    },
    state: () => ({ limit, inFlight, waiting: waiting.length, decreases }),
  };
}
