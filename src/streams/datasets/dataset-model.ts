/**
 * A dataset's model: the records of a landed batch, checked against the schema version the batch was
 * landed under, become rows of the dataset's table (with lineage); records that do not fit are held in
 * quarantine with their reasons. Configuration, not code: one model serves every dataset.
 */
import { DataError } from '../../core/errors.ts'
import type { StreamIngestionManifest } from '../../core/manifests/stream.ts'
import type { StreamModel, TextRow } from '../run-transform-stream.ts'
import { streamQuarantineDataKey, toReasonCounts } from '../stream-quarantine.ts'
import {
  type DatasetSchema,
  datasetSchemaJson,
  planKeyedRows,
  planRecordRow,
  toDatasetTable,
} from './dataset-schema.ts'
import { planFileRecords } from './plan-file-records.ts'
import { datasetStream } from './run-dataset-schema.ts'

/** The schema a landed (or processed) batch of a dataset carries in its meta. */
export function parseBatchSchema(meta: Readonly<Record<string, unknown>>, batchId: string): DatasetSchema {
  const parsed = datasetSchemaJson.safeParse(meta.schema)
  if (!parsed.success)
    throw new DataError(`dataset batch ${batchId}: its manifest carries no valid schema`, { batchId })
  return parsed.data
}

/** The model of one dataset. */
export function datasetModel(name: string): StreamModel {
  const stream = datasetStream(name)
  return {
    stream,
    async transform(manifest: StreamIngestionManifest, read) {
      const schema = parseBatchSchema(manifest.meta, manifest.batchId)
      const rows: TextRow[] = []
      const held: { reason: string; source: string; record: number; value: unknown }[] = []
      for (const file of manifest.files) {
        const split = planFileRecords(file.key, await read(file.key))
        if (!split.ok) {
          // Checked when it landed, so the checks changed since (or the file did): hold it, load the rest.
          held.push({
            reason: `the landed file no longer parses: ${split.reason}`,
            source: file.source,
            record: 0,
            value: file.key,
          })
          continue
        }
        split.records.forEach(({ record, error }, i) => {
          const checked = error ? { ok: false as const, reason: error } : planRecordRow(schema, record)
          if (!checked.ok) {
            held.push({ reason: checked.reason, source: file.source, record: i + 1, value: record })
            return
          }
          rows.push([
            ...checked.values,
            file.source,
            file.sourceEtag ?? file.sha256,
            String(i + 1),
            manifest.batchId,
          ])
        })
      }
      const id = `${manifest.batchId}-records`
      const reasons = toReasonCounts(held.map((h) => h.reason))
      return {
        tables: [{ table: toDatasetTable(schema), rows: planKeyedRows(schema, rows) }],
        quarantined:
          held.length === 0
            ? []
            : [
                {
                  id,
                  stream,
                  batchId: manifest.batchId,
                  level: 'records',
                  reason: reasons
                    .slice(0, 5)
                    .map((r) => `${r.reason} (${r.records})`)
                    .join('; '),
                  reasons,
                  records: held.length,
                  source: [...new Set(held.map((h) => h.source))].join(', '),
                  dataKey: streamQuarantineDataKey(stream, manifest.batchId, id, 'held.jsonl'),
                  sample: held.slice(0, 20).map((h) => ({
                    _reason: h.reason,
                    _source_key: h.source,
                    _record: h.record,
                    record: h.value,
                  })),
                  data: held
                    .map(
                      (h) =>
                        `${JSON.stringify({ _reason: h.reason, _source_key: h.source, _record: h.record, record: h.value })}\n`,
                    )
                    .join(''),
                },
              ],
      }
    },
  }
}
