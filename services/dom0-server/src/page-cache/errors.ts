/** The page cache could not do what was asked; `code` is the errno a guest gets. */
export class PageCacheError extends Error {
  override readonly name = "PageCacheError";
  constructor(
    readonly code: "ENOMEM",
    message: string,
  ) {
    super(message);
  }
}
