#!/usr/bin/env node
// Runs the compiled CLI (built by `npm run build`, which `npm ci` triggers through `prepare`).
import '../dist/entrypoints/cli/main.js'
