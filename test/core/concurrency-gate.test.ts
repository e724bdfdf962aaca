import { describe, expect, it } from 'vitest';
import { createConcurrencyGate, type GateTicket } from '../../lambdas/core/concurrency-gate.ts';

const settings = { initial: 4, min: 1, max: 8 };

async function take(gate: ReturnType<typeof createConcurrencyGate>, n: number): Promise<GateTicket[]> {
  return Promise.all(Array.from({ length: n }, () => gate.acquire()));
}

describe('a concurrency gate', () => {
  it('lets the limit through at once and holds the rest until a call ends', async () => {
    const gate = createConcurrencyGate(settings);
    const first = await take(gate, 4);
    let fifth: GateTicket | undefined;
    void gate.acquire().then((ticket) => (fifth = ticket));
    await Promise.resolve();
    expect(fifth).toBeUndefined();
    expect(gate.state()).toMatchObject({ inFlight: 4, waiting: 1 });
    first[0]?.release(false);
    await Promise.resolve();
    expect(fifth).toBeDefined();
    expect(gate.state()).toMatchObject({ inFlight: 4, waiting: 0 });
  });

  it('halves once for the calls that were out together when they are throttled', async () => {
    const gate = createConcurrencyGate(settings);
    const out = await take(gate, 4);
    for (const ticket of out) ticket.release(true);
    expect(gate.state()).toMatchObject({ limit: 2, decreases: 1, inFlight: 0 });
    // A call started under the new limit counts again.
    const [next] = await take(gate, 1);
    next?.release(true);
    expect(gate.state()).toMatchObject({ limit: 1, decreases: 2 });
    const [last] = await take(gate, 1);
    last?.release(true);
    expect(gate.state().limit).toBe(1);
  });

  const round = async (gate: ReturnType<typeof createConcurrencyGate>, throttled = false) => {
    for (const ticket of await take(gate, gate.state().limit)) ticket.release(throttled);
    return gate.state().limit;
  };

  it('doubles after each round of answers until the first throttle, up to its maximum', async () => {
    const gate = createConcurrencyGate({ initial: 2, min: 1, max: 20 });
    expect([await round(gate), await round(gate), await round(gate), await round(gate)]).toEqual([
      4, 8, 16, 20,
    ]);
  });

  it('after a throttle, grows by one a round', async () => {
    const gate = createConcurrencyGate({ initial: 2, min: 1, max: 64 });
    await round(gate);
    await round(gate);
    expect(await round(gate, true)).toBe(4);
    expect([await round(gate), await round(gate), await round(gate)]).toEqual([5, 6, 7]);
  });

  it('counts a ticket once, however often it is released', async () => {
    const gate = createConcurrencyGate(settings);
    const [ticket] = await take(gate, 1);
    ticket?.release(false);
    ticket?.release(false);
    expect(gate.state().inFlight).toBe(0);
  });

  it('keeps its starting limit within the bounds', () => {
    expect(createConcurrencyGate({ initial: 100, min: 1, max: 8 }).state().limit).toBe(8);
    expect(createConcurrencyGate({ initial: 0, min: 1, max: 8 }).state().limit).toBe(1);
  });
});
