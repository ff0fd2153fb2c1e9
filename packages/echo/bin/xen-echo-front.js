#!/usr/bin/env node
// The echo frontend, built (`pnpm --filter @xenfs/echo build` first): guest-main.ts.
import "../dist/guest-main.js";
