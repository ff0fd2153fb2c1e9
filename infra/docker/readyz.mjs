// HEALTHCHECK: healthy while the service's /readyz answers 200 (node's fetch: the image may have no curl).
const port = process.env.PORT;
const response = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2_000) }).catch(
  () => undefined,
);
process.exit(response?.ok ? 0 : 1);
