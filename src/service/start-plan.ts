/**
 * What `start` will do, decided before it touches anything, and said in plain words. The simulator
 * writes made-up orders into the source: by default only into the embedded demo source that `start`
 * seeds itself; into any other source only when the user asks with `--simulate`.
 */

export interface StartInput {
  readonly source: { readonly kind: 'server' | 'embedded'; readonly where: string }
  readonly warehouse: { readonly kind: 'server' | 'embedded'; readonly where: string }
  readonly ingestion: string
  readonly processed: string
  /** `--simulate` true, `--no-simulate` false, neither undefined. */
  readonly simulateFlag: boolean | undefined
  readonly simulateRate: number
  readonly everyMs: number
  readonly loadEveryMs: number
  readonly statusUrl: string | undefined
}

export interface StartPlan {
  /** Changes per second the simulator writes into the source; 0 = none. */
  readonly simulateRate: number
  /** Seed the source with the real snapshot if it has no tables (the embedded demo source only). */
  readonly seedIfEmpty: boolean
  readonly banner: string
}

const seconds = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`)

/** The plan and its banner. */
export function planStart(input: StartInput): StartPlan {
  const embedded = input.source.kind === 'embedded'
  const simulate = input.simulateFlag ?? embedded
  const simulateRate = simulate ? input.simulateRate : 0
  const simulator =
    simulateRate === 0
      ? embedded
        ? 'off (--no-simulate): nothing writes to the source'
        : 'off: nothing writes to the source (--simulate would write made-up orders into it)'
      : embedded
        ? `WRITES ${input.simulateRate} made-up changes/s into the embedded demo source (--no-simulate turns it off)`
        : `WRITES ${input.simulateRate} made-up changes/s into ${input.source.where}, as --simulate asked`
  const source = embedded
    ? `reads ${input.source.where} (the embedded demo source; seeded with the real snapshot on first start)`
    : `reads ${input.source.where} (read only: the pipeline never writes to its source)`
  return {
    simulateRate,
    seedIfEmpty: embedded,
    banner: [
      'totesys-etl start: the whole pipeline, until Ctrl-C (the next start resumes where this one stopped)',
      `  source     ${source}`,
      `  simulator  ${simulator}`,
      `  lake       writes ${input.ingestion} (ingestion) and ${input.processed} (processed)`,
      `  warehouse  writes ${input.warehouse.where} (creates its tables if missing)`,
      `  schedule   extract every ${seconds(input.everyMs)}; transform and load as soon as a batch commits (load at least every ${seconds(input.loadEveryMs)})`,
      input.statusUrl
        ? `  status     ${input.statusUrl} (JSON at ${input.statusUrl}status.json)`
        : '  status     no status page (--port 0)',
    ].join('\n'),
  }
}
