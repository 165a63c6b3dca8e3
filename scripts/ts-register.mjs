// `node --import ./scripts/ts-register.mjs file.ts`: runs a TypeScript file of this project (see ts-hooks.mjs).
import { register } from 'node:module'

process.setSourceMapsEnabled(true)
register('./ts-hooks.mjs', import.meta.url)
