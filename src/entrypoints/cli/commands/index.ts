/** Every CLI command, registered in the order `--help` lists them. Each file adds one command. */
import type { Command } from 'commander'
import type { CommandContext } from '../command-context.ts'
import { registerExtract } from './extract.ts'

export type RegisterCommand = (program: Command, ctx: CommandContext) => void

export const COMMANDS: readonly RegisterCommand[] = [
  registerExtract,
]
