// Work started without the caller waiting for it (deleting what was renamed aside), tracked so
// that a shutdown can wait for it to end. Failures are ignored: whoever starts such work makes it
// safe to lose (the next start sweeps what is left).
export class BackgroundWork {
  private readonly pending = new Set<Promise<void>>();

  add(task: Promise<unknown>): void {
    const p: Promise<void> = task.then(() => {}, () => {}).finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  /** Resolves once everything added, including what is added meanwhile, has ended. */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }
}
