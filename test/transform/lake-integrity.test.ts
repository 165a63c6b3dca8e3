/**
 * Every reader of the lake checks a file against its manifest's sha256 before using it: a byte flipped
 * or a gzip edited and recompressed after the commit refuses the batch (and the ones after it), names the
 * file and both hashes, alerts, and writes nothing processed. A version the lake holds twice (at-least-once)
 * is transformed once. A manifest or schema file that is not what it should be is named in the error.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { gunzipSync, gzipSync } from 'node:zlib'
import { manifestKey } from '../../src/core/batch-id.ts'
import { DataError } from '../../src/core/errors.ts'
import { memoryLog } from '../../src/log.ts'
import { runCommitStreamBatch } from '../../src/streams/run-commit-stream-batch.ts'
import { runTransformStream } from '../../src/streams/run-transform-stream.ts'
import { runListQuarantine } from '../../src/transform/quarantine-store.ts'
import { runReplay } from '../../src/transform/run-replay.ts'
import { runTransform } from '../../src/transform/run-transform.ts'
import { runListSchemaVersions } from '../../src/transform/schema-registry.ts'
import { aLookupBatch, aPayment, aSalesOrder, writeIngestionBatch } from '../support/ingestion-fixture.ts'
import { processedManifest, processedRows, tempStores } from './support.ts'

const fileOf = (m: { tables: readonly { table: string; key: string | null }[] }, table: string) =>
  m.tables.find((t) => t.table === table)?.key ?? ''

describe('the lake is checked by every reader', () => {
  it('a flipped byte refuses the batch and every later one; restoring the file lets them through', async () => {
    const s = await tempStores()
    try {
      const first = await writeIngestionBatch(s.ingestion, {
        tables: { ...aLookupBatch(), sales_order: [aSalesOrder()] },
      })
      await writeIngestionBatch(s.ingestion, {
        tables: { sales_order: [aSalesOrder({ sales_order_id: '2', last_updated: '2024-02-22 10:00:00' })] },
      })
      const key = fileOf(first, 'sales_order')
      const good = (await s.ingestion.get(key)) as Uint8Array
      const flipped = Buffer.from(good)
      const at = Math.floor(flipped.length / 2)
      flipped[at] = (flipped[at] ?? 0) ^ 0x01
      await s.ingestion.put(key, flipped)
      const log = memoryLog()
      const error = await runTransform({ ...s, log }).catch((e: unknown) => e)
      assert.ok(error instanceof DataError, String(error))
      assert.match(error.message, new RegExp(`${key.replaceAll('/', '\\/')}.*does not match its manifest`))
      assert.match(error.message, /Restore the file/)
      assert.equal(error.ids.batchId, '0000000001')
      assert.ok(log.entries.some((e) => e.level === 'alert' && e.fields.key === key))
      assert.deepEqual(await s.processed.list('_manifests/'), [], 'nothing processed')

      await s.ingestion.put(key, good)
      const after = await runTransform({ ...s, log: memoryLog() })
      assert.deepEqual(
        after.batches.map((b) => [b.batchId, b.rows.fact_sales_order]),
        [
          ['0000000001', 1],
          ['0000000002', 1],
        ],
      )
    } finally {
      await s.cleanup()
    }
  })

  it('an edited and recompressed file is refused with both hashes named', async () => {
    const s = await tempStores()
    try {
      const m = await writeIngestionBatch(s.ingestion, {
        tables: { ...aLookupBatch(), payment: [aPayment()] },
      })
      const key = fileOf(m, 'payment')
      const csv = gunzipSync((await s.ingestion.get(key)) as Uint8Array).toString()
      const amount = aPayment().payment_amount ?? ''
      assert.ok(csv.includes(amount))
      await s.ingestion.put(key, gzipSync(csv.replace(amount, '999999.99')))
      const expected = m.tables.find((t) => t.table === 'payment')?.sha256 ?? ''
      await assert.rejects(runTransform({ ...s, log: memoryLog() }), (e: unknown) => {
        assert.ok(e instanceof DataError)
        assert.ok(e.message.includes(`the manifest says sha256 ${expected}`), e.message)
        assert.match(e.message, /it holds sha256 [0-9a-f]{64}/)
        return true
      })
      assert.deepEqual(await s.processed.list('_manifests/'), [])
    } finally {
      await s.cleanup()
    }
  })

  it('quarantine replay refuses held rows whose file changed', async () => {
    const s = await tempStores()
    try {
      await writeIngestionBatch(s.ingestion, {
        tables: { ...aLookupBatch(), sales_order: [aSalesOrder({ units_sold: 'many' })] },
      })
      await runTransform({ ...s, log: memoryLog() })
      const [held] = await runListQuarantine(s.ingestion)
      assert.ok(held)
      await s.ingestion.put(held.dataKey, gzipSync('sales_order_id\n1\n'))
      const log = memoryLog()
      await assert.rejects(runReplay({ ingestion: s.ingestion, log }), (e: unknown) => {
        assert.ok(e instanceof DataError)
        assert.ok(e.message.includes(held.dataKey), e.message)
        return true
      })
      assert.ok(log.entries.some((e) => e.level === 'alert'))
      assert.deepEqual(await s.ingestion.list('_manifests/'), ['_manifests/0000000001.json'])
    } finally {
      await s.cleanup()
    }
  })

  it('a stream transform refuses a landed file that changed', async () => {
    const s = await tempStores()
    try {
      const landed = await runCommitStreamBatch(
        s.ingestion,
        'fx',
        Date.parse('2024-01-10T00:00:00Z'),
        async (w) => {
          const key = `ext/fx/raw/${w.batchId}-${w.attempt}.json`
          const body = '{"rates":{}}'
          await s.ingestion.put(key, body)
          w.wrote(key)
          const { createHash } = await import('node:crypto')
          return {
            files: [
              {
                key,
                source: 'test',
                sourceEtag: null,
                bytes: body.length,
                sha256: createHash('sha256').update(body).digest('hex'),
              },
            ],
            heldFiles: [],
            meta: {},
          }
        },
      )
      const key = landed.manifest.files[0]?.key ?? ''
      await s.ingestion.put(key, '{"rates":{"GBP":1}}')
      let modelRead = false
      const log = memoryLog()
      await assert.rejects(
        runTransformStream(
          { ...s, log },
          {
            stream: 'fx',
            async transform(manifest, read) {
              for (const f of manifest.files) await read(f.key)
              modelRead = true
              return { tables: [], quarantined: [] }
            },
          },
        ),
        (e: unknown) => e instanceof DataError && e.message.includes(key),
      )
      assert.equal(modelRead, false)
      assert.deepEqual(await s.processed.list('ext/'), [])
      assert.ok(log.entries.some((e) => e.level === 'alert' && e.fields.key === key))
    } finally {
      await s.cleanup()
    }
  })
})

describe('the lake is at-least-once: a version is transformed once', () => {
  it('a version an earlier batch holds is skipped; a new version and a replay still go through', async () => {
    const s = await tempStores()
    try {
      await writeIngestionBatch(s.ingestion, {
        tables: { ...aLookupBatch(), sales_order: [aSalesOrder(), aSalesOrder({ sales_order_id: '2' })] },
      })
      // What an extract re-reads after its lag was narrowed then widened: versions it had taken, plus a
      // late row stamped inside the old window and a new version of order 1.
      await writeIngestionBatch(s.ingestion, {
        tables: {
          ...aLookupBatch(),
          sales_order: [
            aSalesOrder(),
            aSalesOrder({ sales_order_id: '2' }),
            aSalesOrder({ sales_order_id: '3' }),
            aSalesOrder({ last_updated: '2024-02-22 08:00:00.000', units_sold: '7' }),
          ],
        },
      })
      const log = memoryLog()
      const result = await runTransform({ ...s, log })
      const second = result.batches[1]
      assert.equal(second?.rows.fact_sales_order, 2)
      // Only the copies of batch 1 were skipped (its lookups are copies too).
      assert.equal(second?.takenRows, 2 + Object.keys(aLookupBatch()).length)
      const facts = await processedRows(
        s.processed,
        '0000000002',
        'fact_sales_order',
        'sales_order_id, units_sold',
      )
      assert.deepEqual(
        facts.map((r) => [r.sales_order_id, r.units_sold]),
        [
          [1, 7],
          [3, 100],
        ],
      )
      assert.ok(log.entries.some((e) => e.message.startsWith('versions already in the lake skipped')))
      assert.deepEqual((await processedManifest(s.processed, '0000000002')).quarantined, [])
    } finally {
      await s.cleanup()
    }
  })
})

describe('a garbage file in the lake is named', () => {
  it('a manifest that is not JSON or not its format', async () => {
    const s = await tempStores()
    try {
      await writeIngestionBatch(s.ingestion, { tables: aLookupBatch() })
      for (const garbage of [
        '{"format": "totesys-etl.ingestion/1"',
        '{"format":"something else"}',
        '\u0000\u0001',
      ]) {
        await s.ingestion.put(manifestKey('0000000001'), garbage)
        await assert.rejects(runTransform({ ...s, log: memoryLog() }), (e: unknown) => {
          assert.ok(e instanceof DataError, String(e))
          assert.ok(e.message.includes('_manifests/0000000001.json'), e.message)
          assert.match(e.message, /restore it from the store's object versions/)
          return true
        })
      }
    } finally {
      await s.cleanup()
    }
  })

  it('a schema registry file', async () => {
    const s = await tempStores()
    try {
      await writeIngestionBatch(s.ingestion, { tables: aLookupBatch() })
      await s.ingestion.put('_schemas/address/v1.json', 'not json at all')
      const error = await runTransform({ ...s, log: memoryLog() }).catch((e: unknown) => e)
      assert.ok(error instanceof DataError, String(error))
      assert.ok(error.message.includes('_schemas/address/v1.json'), error.message)
      await assert.rejects(runListSchemaVersions(s.ingestion, 'address'), /_schemas\/address\/v1\.json/)
    } finally {
      await s.cleanup()
    }
  })
})
