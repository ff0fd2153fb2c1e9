export { type BackoffPolicy, backoffDelay, INCARNATION_BACKOFF, pause, RESUME_BACKOFF } from "./backoff.js";
export { isFatalJoinError, type JoinRetryOptions, joinDomain } from "./join.js";
export {
  type Attached,
  DomainIncarnations,
  type Incarnation,
  type IncarnationOptions,
  type IncarnationPhase,
} from "./loop.js";
