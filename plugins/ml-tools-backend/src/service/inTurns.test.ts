import { forEachInTurns } from './inTurns';

describe('forEachInTurns', () => {
  it('visits every item in order, and lets the event loop run between chunks', async () => {
    const seen: number[] = [];
    /** Items visited when each turn of the event loop came. */
    const turns: number[] = [];
    let running = true;
    const tick = () => {
      turns.push(seen.length);
      if (running) setImmediate(tick);
    };
    setImmediate(tick);

    await forEachInTurns(
      Array.from({ length: 2500 }, (_, i) => i),
      (item, index) => {
        expect(index).toBe(item);
        seen.push(item);
      },
      1000,
    );
    running = false;

    expect(seen).toEqual(Array.from({ length: 2500 }, (_, i) => i));
    // Other work ran after the first and the second chunk, before the loop went on.
    expect(turns.slice(0, 2)).toEqual([1000, 2000]);
  });

  it('never waits for a loop shorter than a chunk', async () => {
    let turned = false;
    setImmediate(() => {
      turned = true;
    });
    const seen: string[] = [];
    await forEachInTurns(['a', 'b'], item => seen.push(item), 1000);
    expect(seen).toEqual(['a', 'b']);
    expect(turned).toBe(false);
  });
});
