#!/usr/bin/env node
// Runs the built CLI (scripts/build.mjs; `npm ci` builds it through `prepare`).
import '../dist/entrypoints/cli/main.js'
