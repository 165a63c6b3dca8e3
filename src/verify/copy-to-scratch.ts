/**
 * Streams a `COPY (…) TO STDOUT (FORMAT csv, HEADER true)` into a file of verify's scratch folder, so a
 * table is never held in this process: DuckDB reads the file. Rows are counted on the way for progress.
 */
import { Transform } from 'node:stream'
import type { SqlSession } from '../io/database.ts'
import type { ObjectStore } from '../io/object-store.ts'
import type { VerifyProgress } from './verify-progress.ts'

const NEWLINE = 0x0a

/** COPYs the rows of `select` into `key` of the scratch store. */
export async function runCopyToScratch(
  session: SqlSession,
  select: string,
  scratch: ObjectStore,
  key: string,
  progress: VerifyProgress,
): Promise<void> {
  let header = true
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      let lines = 0
      for (let i = chunk.indexOf(NEWLINE); i !== -1; i = chunk.indexOf(NEWLINE, i + 1)) lines++
      // The header is not a row. (A quoted newline inside a value counts as one: progress only.)
      if (header && lines > 0) {
        header = false
        lines--
      }
      if (lines > 0) progress.advance(lines)
      done(null, chunk)
    },
  })
  const stream = await session.copyOut(`COPY (${select}) TO STDOUT (FORMAT csv, HEADER true)`)
  // pipe() does not pass errors on: a COPY that fails (a column gone) must fail the write, not hang it
  // or crash the process, whenever it fails (even before the store has started reading).
  let failure: Error | undefined
  stream.once('error', (error: Error) => {
    failure = error
    count.destroy(error)
  })
  count.on('error', () => {}) // seen by the store's pipeline, and rethrown below
  await scratch.putStream(key, stream.pipe(count)).catch((error: unknown) => {
    throw failure ?? error
  })
  if (failure) throw failure
}
