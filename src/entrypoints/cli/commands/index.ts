/** Every CLI command, registered in the order `--help` lists them. Each file adds one command. */
import type { RegisterCommand } from '../command-context.ts'
import { registerApi } from './api.ts'
import { registerCdc } from './cdc.ts'
import { registerCheck } from './check.ts'
import { registerDatasets } from './datasets.ts'
import { registerExtract } from './extract.ts'
import { registerFx } from './fx.ts'
import { registerHistory } from './history.ts'
import { registerInit } from './init.ts'
import { registerLoad } from './load.ts'
import { registerQuarantine } from './quarantine.ts'
import { registerRun } from './run.ts'
import { registerSchema } from './schema.ts'
import { registerSeed } from './seed.ts'
import { registerSimulate } from './simulate.ts'
import { registerStart } from './start.ts'
import { registerStatus } from './status.ts'
import { registerSweep } from './sweep.ts'
import { registerTransform } from './transform.ts'
import { registerVerify } from './verify.ts'
import { registerWatch } from './watch.ts'

/** Where commands took their type from before it moved to command-context.ts (no command imports it here). */
export type { RegisterCommand }

export const COMMANDS: readonly RegisterCommand[] = [
  registerStart,
  registerWatch,
  registerRun,
  registerCheck,
  registerExtract,
  registerSeed,
  registerSimulate,
  registerTransform,
  registerInit,
  registerLoad,
  registerQuarantine,
  registerSchema,
  registerVerify,
  registerSweep,
  registerCdc,
  registerStatus,
  registerHistory,
  registerApi,
  registerFx,
  registerDatasets,
]
