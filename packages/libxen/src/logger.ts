/** The part of a pino logger libxen uses; a pino `Logger` fits it. */
export interface XenLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const ignore = (): void => {};
export const SILENT_LOGGER: XenLogger = { debug: ignore, info: ignore, warn: ignore, error: ignore };
