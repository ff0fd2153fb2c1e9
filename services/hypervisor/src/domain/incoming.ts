// Restores under way on this host, by the name of the domain each will make. A guest process
// that was told to attach here (a live migration) tries at once, while the last of its image is
// still on the way: its attach waits for the restore to end instead of being refused and
// retried after a back-off, which was most of the downtime (docs/migration.md#downtime).
import { sameSecret } from "../secret.js";

interface Incoming {
  readonly sessionKey: Uint8Array;
  readonly done: Promise<void>;
}

export class IncomingRestores {
  readonly #byName = new Map<string, Incoming>();

  /** A restore of `name` began (its image's domain record is in); call the answer when it ends, either way. */
  begin(name: string, sessionKey: Uint8Array): () => void {
    let end!: () => void;
    const done = new Promise<void>((resolve) => {
      end = resolve;
    });
    const incoming = { sessionKey, done };
    this.#byName.set(name, incoming);
    return () => {
      if (this.#byName.get(name) === incoming) this.#byName.delete(name);
      end();
    };
  }

  /** When a restore of `name` with that session key is under way: its end. Otherwise undefined. */
  ending(name: string, sessionKey: Uint8Array): Promise<void> | undefined {
    const incoming = this.#byName.get(name);
    return incoming && sameSecret(sessionKey, incoming.sessionKey) ? incoming.done : undefined;
  }
}
