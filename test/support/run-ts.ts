/**
 * The node arguments that run one of the tests' TypeScript helpers in a child process (a crash script, a
 * second loader): `spawn(process.execPath, [...RUN_TS, file, ...args])`. The test runner's own hooks
 * (scripts/ts-hooks.mjs): half a CPU-second less per child than tsx.
 */
export const RUN_TS = ['--import', new URL('../../scripts/ts-register.mjs', import.meta.url).href] as const
