#!/usr/bin/env node
// The echo backend, built (`pnpm --filter @xenfs/echo build` first): dom0-main.ts.
import "../dist/dom0-main.js";
