/**
 * A value that views watch: the one state primitive of the app (a few dozen lines instead of a
 * state library). `set` notifies the watchers; `useCell` re-renders a component on each change.
 */
import { useEffect, useState } from 'preact/hooks';

export class Cell<T> {
  private readonly watchers = new Set<(value: T) => void>();

  constructor(private current: T) {}

  get value(): T {
    return this.current;
  }

  set(value: T): void {
    this.current = value;
    for (const watcher of [...this.watchers]) watcher(value);
  }

  update(change: (value: T) => T): void {
    this.set(change(this.current));
  }

  watch(watcher: (value: T) => void): () => void {
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }
}

/** The cell's value, re-rendering the component whenever it is set. */
export function useCell<T>(cell: Cell<T>): T {
  const [, setTick] = useState(0);
  const rendered = cell.value;
  useEffect(() => {
    // A change between this render and the subscription would otherwise go unseen.
    if (cell.value !== rendered) setTick((n) => n + 1);
    return cell.watch(() => setTick((n) => n + 1));
  }, [cell]);
  return cell.value;
}
