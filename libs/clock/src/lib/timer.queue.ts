/**
 * The pending-timer queue shared by every clock: a binary min-heap ordered by
 * (time, name, insertion order). The name order is what makes simultaneous timers
 * deterministic; insertion order only breaks ties between timers with the same name,
 * so replays that schedule the same timers in the same order fire them identically.
 * Names compare by UTF-16 code units (`<`), never `localeCompare`, whose result depends
 * on the machine's locale.
 */

export interface PendingTimer {
  readonly name: string;
  readonly at: number;
  readonly seq: number;
  readonly fire: () => void;
  cancelled: boolean;
}

const before = (a: PendingTimer, b: PendingTimer): boolean => {
  if (a.at !== b.at) return a.at < b.at;
  if (a.name !== b.name) return a.name < b.name;
  return a.seq < b.seq;
};

export interface TimerQueue {
  /** Add a timer; the returned function cancels it (a no-op once fired). */
  push(name: string, at: number, fire: () => void): () => void;
  /** The earliest live timer, if any. */
  peek(): PendingTimer | undefined;
  /** Remove and return the earliest live timer. */
  pop(): PendingTimer | undefined;
  /** Live (not cancelled, not fired) timers. */
  size(): number;
}

export const createTimerQueue = (): TimerQueue => {
  const heap: PendingTimer[] = [];
  let seq = 0;
  let live = 0;

  const swap = (i: number, j: number): void => {
    const t = heap[i] as PendingTimer;
    heap[i] = heap[j] as PendingTimer;
    heap[j] = t;
  };
  const up = (i: number): void => {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i] as PendingTimer, heap[parent] as PendingTimer)) return;
      swap(i, parent);
      i = parent;
    }
  };
  const down = (i: number): void => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && before(heap[l] as PendingTimer, heap[m] as PendingTimer)) m = l;
      if (r < heap.length && before(heap[r] as PendingTimer, heap[m] as PendingTimer)) m = r;
      if (m === i) return;
      swap(i, m);
      i = m;
    }
  };
  const removeTop = (): PendingTimer | undefined => {
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      heap[0] = last;
      down(0);
    }
    return top;
  };
  // Cancelled timers stay in the heap (lazy deletion) and are dropped when they surface.
  const dropCancelled = (): void => {
    while (heap.length > 0 && (heap[0] as PendingTimer).cancelled) removeTop();
  };

  return {
    push: (name, at, fire) => {
      const timer: PendingTimer = { name, at, seq: seq++, fire, cancelled: false };
      heap.push(timer);
      up(heap.length - 1);
      live++;
      let done = false;
      return () => {
        if (done || timer.cancelled) return;
        done = true;
        timer.cancelled = true;
        live--;
      };
    },
    peek: () => {
      dropCancelled();
      return heap[0];
    },
    pop: () => {
      dropCancelled();
      const top = removeTop();
      if (top) {
        // Marking it cancelled makes a later call of its cancel function a no-op.
        top.cancelled = true;
        live--;
      }
      return top;
    },
    size: () => live,
  };
};
