/**
 * Gathers calls made close together into one batch: `push` resolves with the batch's result for that item. Outcomes
 * that end close together settle together this way, one statement for many instead of one each; `windowMs` is how
 * long a batch waits for company after its first item (0: until the current turn of the event loop ends).
 */
export class Coalescer<In, Out> {
  private pending: { item: In; resolve: (value: Out) => void; reject: (error: unknown) => void }[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly run: (items: In[]) => Promise<Out[]>,
    private readonly windowMs = 0,
    private readonly maxBatch = 100,
  ) {}

  push(item: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length >= this.maxBatch) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.windowMs);
    });
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    this.run(batch.map((entry) => entry.item)).then(
      (results) => batch.forEach((entry, index) => entry.resolve(results[index])),
      (error: unknown) => batch.forEach((entry) => entry.reject(error)),
    );
  }
}
