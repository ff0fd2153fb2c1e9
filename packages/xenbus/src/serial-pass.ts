// A state machine re-evaluated on every watch event, one pass at a time: events during a pass
// coalesce into one more pass, which reads XenStore afresh (watches say "look", not "what").

export class SerialPass {
  #running: Promise<void> | undefined;
  #again = false;

  constructor(
    private readonly pass: () => Promise<void>,
    private readonly onError: (error: Error) => void,
  ) {}

  poke(): void {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#run();
  }

  /** Resolves once no pass is running or due. */
  async settled(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async #run(): Promise<void> {
    do {
      this.#again = false;
      try {
        await this.pass();
      } catch (error) {
        this.onError(error as Error);
      }
    } while (this.#again);
    this.#running = undefined;
  }
}
