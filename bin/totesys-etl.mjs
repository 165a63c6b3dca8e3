#!/usr/bin/env node
// Runs the built CLI (scripts/build.mjs; `npm ci` builds it through `prepare`).

// On Node 20 the AWS SDK prints, in nine lines, that its releases after the first week of January 2027
// will need Node ≥ 22. The CLI runs the SDK it pins (package-lock.json), which supports Node 20, so the
// warning tells an operator nothing to act on: it is for whoever updates the SDK (docs/OPERATIONS.md,
// "What the CLI prints"). A value the operator sets is kept. Set before the CLI's modules load.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
await import('../dist/entrypoints/cli/main.js')
