// Random schedules of a front and a back ring over one page, checked against a model: nothing is
// lost, duplicated or reordered; a push notifies exactly when the consumer asked; and the final
// check before sleeping never loses a wake-up, even when the peer pushes in the middle of it.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { seqTypes } from "../test/seq.js";
import { type Race, Session } from "../test/session.js";

const race: fc.Arbitrary<Race> = fc.record({
  when: fc.constantFrom("before", "after"),
  n: fc.nat({ max: 5 }),
});
const batch = fc.integer({ min: 1, max: 9 });
const maybeRace = fc.option(race, { nil: undefined });

// Steps are data, so a failing schedule prints readably.
type Step =
  | { readonly op: "submit" | "take" | "answer" | "reap"; readonly n: number }
  | { readonly op: "pushRequests" | "pushResponses" }
  | { readonly op: "frontSleep" | "backSleep"; readonly race: Race | undefined };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ op: fc.constantFrom("submit", "take", "answer", "reap"), n: batch }),
  fc.record({ op: fc.constantFrom("pushRequests", "pushResponses") }),
  fc.record({ op: fc.constantFrom("frontSleep", "backSleep"), race: maybeRace }),
);

function play(session: Session, step: Step): void {
  switch (step.op) {
    case "submit":
    case "take":
    case "answer":
    case "reap":
      session[step.op](step.n);
      break;
    case "pushRequests":
    case "pushResponses":
      session[step.op]();
      break;
    case "frontSleep":
    case "backSleep":
      session[step.op](step.race);
      break;
  }
}

const geometry = fc.record({
  // 4032 bytes: a one-entry ring; 4 bytes: 512 entries per page.
  entrySize: fc.oneof(fc.constantFrom(4032, 2016, 1008, 504), fc.integer({ min: 4, max: 4032 })),
  // Multi-page rings (order 1, 2, 4): entries straddle the page boundaries.
  pages: fc.constantFrom(1, 1, 2, 4, 16),
  start: fc.oneof(
    fc.constant(0),
    fc.integer({ min: 2 ** 32 - 600, max: 2 ** 32 - 1 }),
    fc.nat({ max: 2 ** 32 - 1 }),
  ),
});

describe("a front ring and a back ring under random schedules", () => {
  it("deliver every request and response once, in order, and never lose a wake-up", () => {
    fc.assert(
      fc.property(geometry, fc.array(step, { maxLength: 80 }), ({ entrySize, pages, start }, steps) => {
        const session = new Session(seqTypes(entrySize, pages), start);
        for (const next of steps) {
          play(session, next);
          session.checkSleepers();
        }
        session.drain();
        expect(session.reaped).toBe(session.submitted);
        expect(session.front.rsp_cons).toBe((start + session.submitted) >>> 0);
      }),
      { numRuns: 500 },
    );
  });
});
