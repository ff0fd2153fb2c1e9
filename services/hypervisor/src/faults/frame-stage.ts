// One direction of a domain's link under message faults: applies each frame's FramePlan (drop,
// copies, delay) and the reorder window — frames collected up to the window, or REORDER_HOLD_MS
// after the first, then delivered in a random order (docs/faults.md).
import type { FramePlan } from "./faults.js";

/** How long a reorder window waits to fill before it lets its frames go anyway. */
export const REORDER_HOLD_MS = 5;

export class FrameStage<T> {
  #window: T[] = [];
  #timer: NodeJS.Timeout | undefined;
  #delayed = new Set<NodeJS.Timeout>();

  constructor(
    private readonly deliver: (frame: T) => void,
    private readonly random: () => number = Math.random,
  ) {}

  pass(frame: T, plan: FramePlan): void {
    if (plan.drop) return;
    const send = () => {
      for (let i = 0; i < plan.copies; i++) this.#enter(frame, plan.reorder);
    };
    if (plan.delayMs <= 0) {
      send();
      return;
    }
    const timer = setTimeout(() => {
      this.#delayed.delete(timer);
      send();
    }, plan.delayMs);
    timer.unref();
    this.#delayed.add(timer);
  }

  /** Forgets frames held or delayed (the connection they were for is gone). */
  clear(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#window = [];
    for (const timer of this.#delayed) clearTimeout(timer);
    this.#delayed.clear();
  }

  #enter(frame: T, window: number): void {
    if (window < 2) {
      // Reordering turned off: what the window still holds goes first.
      if (this.#window.length > 0) this.#release();
      this.deliver(frame);
      return;
    }
    this.#window.push(frame);
    if (this.#window.length >= window) this.#release();
    else this.#timer ??= setTimeout(() => this.#release(), REORDER_HOLD_MS).unref();
  }

  #release(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const frames = this.#window;
    this.#window = [];
    for (let i = frames.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [frames[i], frames[j]] = [frames[j] as T, frames[i] as T];
    }
    for (const frame of frames) this.deliver(frame);
  }
}
