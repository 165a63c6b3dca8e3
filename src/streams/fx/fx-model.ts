/** The FX stream's model: landed provider answers to fact_fx_rate rows, held answers to quarantine. */
import { DataError } from '../../core/errors.ts'
import { FX_RATE_TABLE } from '../../core/stream-catalogue.ts'
import type { StreamModel } from '../run-transform-stream.ts'
import { streamQuarantineDataKey, toReasonCounts } from '../stream-quarantine.ts'
import { fxMeta, planFxObservations, planFxRates } from './plan-fx-rates.ts'

export const FX_STREAM = 'fx'

/** The FX model (pure over the files it is handed). */
export const fxModel: StreamModel = {
  stream: FX_STREAM,
  async transform(manifest, read) {
    const meta = fxMeta.safeParse(manifest.meta)
    if (!meta.success) {
      throw new DataError(
        `fx batch ${manifest.batchId}: manifest meta does not parse: ${meta.error.message}`,
        {
          batchId: manifest.batchId,
        },
      )
    }
    const lines: string[] = []
    for (const file of manifest.files)
      lines.push(...new TextDecoder().decode(await read(file.key)).split('\n'))
    const checked = planFxObservations(lines)
    const planned = planFxRates(meta.data, checked.observations, checked.held)
    const held = [...checked.held, ...planned.held]
    const id = `${manifest.batchId}-records`
    return {
      tables: [{ table: FX_RATE_TABLE, rows: planned.rows }],
      quarantined:
        held.length === 0
          ? []
          : [
              {
                id,
                stream: FX_STREAM,
                batchId: manifest.batchId,
                level: 'records',
                reason: toReasonCounts(held.map((h) => h.reason))
                  .map((r) => `${r.reason} (${r.records})`)
                  .join('; '),
                reasons: toReasonCounts(held.map((h) => h.reason)),
                records: held.length,
                source: meta.data.provider,
                dataKey: streamQuarantineDataKey(FX_STREAM, manifest.batchId, id, 'held.jsonl'),
                sample: held.slice(0, 20).map((h) => ({ _reason: h.reason, record: h.record })),
                data: held
                  .map((h) => `${JSON.stringify({ _reason: h.reason, record: h.record })}\n`)
                  .join(''),
              },
            ],
    }
  },
}
