/** The part of a pino logger xenstored uses; a pino `Logger` fits it. */
export interface XenstoredLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}
