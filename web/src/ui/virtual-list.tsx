/**
 * A scrolling list that renders only the rows near the viewport, so a conversation of 100k events
 * scrolls like one of a hundred. Rows have any height: each is measured once rendered (and again
 * when it resizes) and estimated until then. The list
 * - stays at the bottom while the user is there, as new rows arrive (a live log);
 * - keeps the row the user is reading still when older rows are added above it;
 * - asks for older rows (`onNearTop`) when the user scrolls near the top.
 */
import { Component, type ComponentChild } from 'preact';
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';

export interface VirtualListProps<T> {
  items: T[];
  /** Changes whenever the items or any row's content change. */
  version: number;
  keyOf(item: T): string;
  /** A row re-renders only when its rev (or the item object) changes. */
  revOf(item: T): number;
  estimate(item: T): number;
  render(item: T): ComponentChild;
  onNearTop?: () => void;
  /** Shown above the rows (e.g. "loading older…"). */
  header?: ComponentChild;
  label: string;
  id?: string;
}

const OVERSCAN_PX = 800;
const NEAR_TOP_PX = 600;
const BOTTOM_SLACK_PX = 48;

class RowBox extends Component<{ rev: number; item: unknown; rowKey: string; observe: (el: HTMLElement | null, key: string) => void; render: () => ComponentChild }> {
  override shouldComponentUpdate(next: { rev: number; item: unknown }): boolean {
    return next.rev !== this.props.rev || next.item !== this.props.item;
  }

  override render() {
    const { rowKey, observe, render } = this.props;
    return (
      <div class="vrow" data-key={rowKey} ref={(el) => observe(el, rowKey)}>
        {render()}
      </div>
    );
  }
}

/** Index of the last offset ≤ y (offsets ascending, offsets[0] = 0). */
function indexAt(offsets: Float64Array, count: number, y: number): number {
  let lo = 0;
  let hi = count - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (offsets[mid]! <= y) lo = mid;
    else hi = mid - 1;
  }
  return Math.max(0, lo);
}

export function VirtualList<T>(props: VirtualListProps<T>) {
  const { items, keyOf } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const heights = useRef(new Map<string, number>());
  const [heightsVersion, setHeightsVersion] = useState(0);
  const [view, setView] = useState({ top: 0, height: 800 });
  const atBottom = useRef(true);
  /** The first visible row and how far below the top of the viewport it started. */
  const anchor = useRef<{ key: string; index: number; length: number; delta: number } | null>(null);
  const bumpPending = useRef(false);

  const bumpHeights = useCallback(() => {
    if (bumpPending.current) return;
    bumpPending.current = true;
    requestAnimationFrame(() => {
      bumpPending.current = false;
      setHeightsVersion((v) => v + 1);
    });
  }, []);

  const observer = useMemo(
    () =>
      new ResizeObserver((entries) => {
        let changed = false;
        for (const entry of entries) {
          const el = entry.target as HTMLElement;
          const key = el.dataset.key;
          if (!key) continue;
          const h = el.offsetHeight;
          if (h > 0 && heights.current.get(key) !== h) {
            heights.current.set(key, h);
            changed = true;
          }
        }
        if (changed) bumpHeights();
      }),
    [],
  );
  useEffect(() => () => observer.disconnect(), [observer]);
  const observed = useRef(new Map<string, HTMLElement>());
  const observe = useCallback((el: HTMLElement | null, key: string) => {
    const old = observed.current.get(key);
    if (old === el) return;
    if (old) observer.unobserve(old);
    if (el) {
      observed.current.set(key, el);
      observer.observe(el);
    } else observed.current.delete(key);
  }, [observer]);

  // Offsets of every row: recomputed when rows or measured heights change, not on scroll.
  const offsets = useMemo(() => {
    const out = new Float64Array(items.length + 1);
    let y = 0;
    for (let i = 0; i < items.length; i++) {
      out[i] = y;
      const item = items[i]!;
      y += heights.current.get(keyOf(item)) ?? props.estimate(item);
    }
    out[items.length] = y;
    return out;
  }, [items, props.version, heightsVersion]);
  const total = offsets[items.length]!;

  // Following the bottom, the window is the bottom: the newest rows render in the first frame,
  // not after a scroll the layout effect makes.
  const top = atBottom.current ? Math.max(0, total - view.height) : view.top;
  const first = items.length === 0 ? 0 : indexAt(offsets, items.length, Math.max(0, top - OVERSCAN_PX));
  const last = items.length === 0 ? -1 : indexAt(offsets, items.length, top + view.height + OVERSCAN_PX);
  const visible = items.slice(first, last + 1);

  /** Remembers the row at the top of the viewport, so a change above it can keep it still. */
  const remember = (el: HTMLElement) => {
    const topIndex = items.length === 0 ? -1 : indexAt(offsets, items.length, el.scrollTop);
    anchor.current = topIndex < 0 ? null : { key: keyOf(items[topIndex]!), index: topIndex, length: items.length, delta: offsets[topIndex]! - el.scrollTop };
  };

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < BOTTOM_SLACK_PX;
    remember(el);
    setView({ top: el.scrollTop, height: el.clientHeight });
    if (el.scrollTop < NEAR_TOP_PX) props.onNearTop?.();
  };

  // What the last layout was made of: the anchor is restored only when rows or their heights changed.
  const laidOut = useRef({ offsets });
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const changed = laidOut.current.offsets !== offsets;
    laidOut.current = { offsets };
    if (atBottom.current) {
      el.scrollTop = el.scrollHeight;
    } else if (changed && anchor.current) {
      // Rows added or re-measured above the anchor (an older page) move it; put it back where it was.
      const a = anchor.current;
      let index = a.index + (items.length - a.length);
      if (items[index] === undefined || keyOf(items[index]!) !== a.key) index = items.findIndex((item) => keyOf(item) === a.key);
      if (index >= 0) {
        const target = offsets[index]! - a.delta;
        if (Math.abs(el.scrollTop - target) > 1) el.scrollTop = target;
      }
    }
    remember(el);
    if (view.top !== el.scrollTop || view.height !== el.clientHeight) setView({ top: el.scrollTop, height: el.clientHeight });
    // Too few rows to scroll: older ones are wanted now, not on a scroll that cannot happen.
    if (el.scrollHeight <= el.clientHeight + NEAR_TOP_PX) props.onNearTop?.();
  });

  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const resize = new ResizeObserver(() => {
      if (atBottom.current) el.scrollTop = el.scrollHeight;
      setView({ top: el.scrollTop, height: el.clientHeight });
    });
    resize.observe(el);
    return () => resize.disconnect();
  }, []);

  return (
    <div class="vlist" ref={scroller} onScroll={onScroll} role="log" aria-label={props.label} tabIndex={0} id={props.id}>
      {props.header}
      <div class="vspacer" style={{ height: `${offsets[first] ?? 0}px` }} />
      {visible.map((item) => {
        const key = keyOf(item);
        return <RowBox key={key} rowKey={key} rev={props.revOf(item)} item={item} observe={observe} render={() => props.render(item)} />;
      })}
      <div class="vspacer" style={{ height: `${Math.max(0, total - (offsets[last + 1] ?? total))}px` }} />
    </div>
  );
}
