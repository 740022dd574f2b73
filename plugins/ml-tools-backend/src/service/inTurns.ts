/** Items a long loop of the fleet handles before other work gets a turn. */
export const ITEMS_PER_TURN = 1000;

/**
 * Calls `body` for each item in order, giving the event loop a turn (timers, I/O, other
 * requests) after every `perTurn` items. The fleet's loops run once per instance, so over
 * ten thousand instances a single synchronous pass would hold the backend for a third of a
 * second; in turns, nothing waits longer than one chunk.
 *
 * @internal
 */
export async function forEachInTurns<T>(
  items: readonly T[],
  body: (item: T, index: number) => void,
  perTurn: number = ITEMS_PER_TURN,
): Promise<void> {
  for (let i = 0; i < items.length; i++) {
    if (i > 0 && i % perTurn === 0) {
      await new Promise<void>(resolve => setImmediate(resolve));
    }
    body(items[i], i);
  }
}
