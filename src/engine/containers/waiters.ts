// POST /containers/{id}/wait conditions: not-running, next-exit, removed.
export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

export interface WaitResult {
  StatusCode: number;
  Error: { Message: string } | null;
}

interface Waiter { condition: WaitCondition; resolve: (r: WaitResult) => void }

export class Waiters {
  private readonly byId = new Map<string, Set<Waiter>>();

  /** Registers a waiter now (so a following start cannot race past it). */
  add(id: string, condition: WaitCondition): Promise<WaitResult> {
    return new Promise((resolve) => {
      let set = this.byId.get(id);
      if (!set) this.byId.set(id, (set = new Set()));
      set.add({ condition, resolve });
    });
  }

  /** A run ended (exited, or is restarting): not-running and next-exit waiters are answered. */
  exited(id: string, result: WaitResult): void {
    this.settle(id, result, (w) => w.condition !== 'removed');
  }

  /** The container is gone: everyone is answered. */
  removed(id: string, result: WaitResult): void {
    this.settle(id, result, () => true);
  }

  private settle(id: string, result: WaitResult, pick: (w: Waiter) => boolean): void {
    const set = this.byId.get(id);
    if (!set) return;
    for (const w of [...set]) {
      if (!pick(w)) continue;
      set.delete(w);
      w.resolve(result);
    }
    if (set.size === 0) this.byId.delete(id);
  }
}
