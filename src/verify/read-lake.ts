/**
 * The lake's side of verify, limited to the batches the warehouse ledger holds (so a batch committed
 * after the warehouse snapshot is not half-counted): the manifests, every file checked against its
 * manifest's checksum, and local paths of the good files for DuckDB to read.
 */
import { manifestKey } from '../core/batch-id.ts'
import { PROCESSED_MANIFEST } from '../core/manifests/processed.ts'
import type { SourceTable } from '../core/source-catalogue.ts'
import type { WarehouseTable } from '../core/warehouse-catalogue.ts'
import { runListIngestionBatches, runReadIngestionManifest } from '../extract/ingestion-batches.ts'
import { runDigestLocalFile } from '../io/object-digest.ts'
import { getText, type ObjectStore } from '../io/object-store.ts'
import type { VerifyProgress } from './verify-progress.ts'

export interface FileProblem {
  readonly store: 'ingestion' | 'processed'
  /** The full path (store + key). */
  readonly path: string
  readonly message: string
}

export interface LakeRead {
  /** Rows per source table in the loaded ingestion batches, as their manifests count them. */
  readonly ingestionRows: Partial<Record<SourceTable, number>>
  /** Local paths of the good ingestion files, per source table. */
  readonly ingestionFiles: Partial<Record<SourceTable, string[]>>
  /** Local paths of the good processed files, per warehouse table. */
  readonly processedFiles: Partial<Record<WarehouseTable, string[]>>
  readonly fileProblems: readonly FileProblem[]
}

/** `store/key` with exactly one slash between them, whatever the store's description ends with. */
export function toStorePath(store: ObjectStore, key: string): string {
  return store.description.endsWith('/') ? `${store.description}${key}` : `${store.description}/${key}`
}

/** A store that could not be listed or read at all. */
export class StoreUnreachableError extends Error {
  override readonly name = 'StoreUnreachableError'
  constructor(
    readonly system: 'ingestion store' | 'processed store',
    readonly description: string,
    cause: unknown,
  ) {
    super(`${system} ${description} cannot be read: ${(cause as Error)?.message ?? String(cause)}`, { cause })
  }
}

async function reach<T>(
  system: StoreUnreachableError['system'],
  store: ObjectStore,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn()
  } catch (error) {
    throw new StoreUnreachableError(system, store.description, error)
  }
}

interface PlannedFile {
  readonly store: ObjectStore
  readonly side: 'ingestion' | 'processed'
  readonly key: string
  readonly sha256: string | null
  readonly table: string
}

/** Reads the manifests of the loaded batches and checks their files; `localDir` receives S3 downloads. */
export async function runReadLake(
  ingestion: ObjectStore,
  processed: ObjectStore,
  batchIds: readonly string[],
  input: { localDir: string; progress: VerifyProgress },
): Promise<LakeRead> {
  const ingestionRows: Partial<Record<SourceTable, number>> = {}
  const fileProblems: FileProblem[] = []
  const planned: PlannedFile[] = []
  await runPlanIngestionFiles(ingestion, batchIds, { ingestionRows, fileProblems, planned })
  await runPlanProcessedFiles(processed, batchIds, { fileProblems, planned })
  const { ingestionFiles, processedFiles } = await runCheckFiles(planned, fileProblems, input)
  return { ingestionRows, ingestionFiles, processedFiles, fileProblems }
}

/** The ingestion manifests of the loaded batches: rows per table, and each file to check. */
async function runPlanIngestionFiles(
  ingestion: ObjectStore,
  batchIds: readonly string[],
  out: {
    ingestionRows: Partial<Record<SourceTable, number>>
    fileProblems: FileProblem[]
    planned: PlannedFile[]
  },
): Promise<void> {
  const wanted = new Set(batchIds)
  const listed = await reach('ingestion store', ingestion, () => runListIngestionBatches(ingestion))
  const present = new Set(listed.filter((id) => wanted.has(id)))
  for (const batchId of batchIds) {
    const path = toStorePath(ingestion, manifestKey(batchId))
    if (!present.has(batchId)) {
      const message = `the ingestion manifest of loaded batch ${batchId} is missing`
      out.fileProblems.push({ store: 'ingestion', path, message })
      continue
    }
    try {
      const manifest = await runReadIngestionManifest(ingestion, batchId)
      for (const entry of manifest.tables) {
        out.ingestionRows[entry.table] = (out.ingestionRows[entry.table] ?? 0) + entry.rows
        if (entry.key) {
          const { key, sha256, table } = entry
          out.planned.push({ store: ingestion, side: 'ingestion', key, sha256, table })
        }
      }
    } catch (error) {
      const message = `the ingestion manifest does not parse: ${(error as Error).message}`
      out.fileProblems.push({ store: 'ingestion', path, message })
    }
  }
}

/** The processed manifests of the loaded batches: each file to check. */
async function runPlanProcessedFiles(
  processed: ObjectStore,
  batchIds: readonly string[],
  out: { fileProblems: FileProblem[]; planned: PlannedFile[] },
): Promise<void> {
  for (const batchId of batchIds) {
    const path = toStorePath(processed, manifestKey(batchId))
    const text = await reach('processed store', processed, () => getText(processed, manifestKey(batchId)))
    if (text === undefined) {
      const message = `the processed manifest of loaded batch ${batchId} is missing`
      out.fileProblems.push({ store: 'processed', path, message })
      continue
    }
    try {
      for (const { key, sha256, table } of PROCESSED_MANIFEST.parse(text, 'processed manifest').tables) {
        if (key) out.planned.push({ store: processed, side: 'processed', key, sha256, table })
      }
    } catch (error) {
      const message = `the processed manifest does not parse: ${(error as Error).message}`
      out.fileProblems.push({ store: 'processed', path, message })
    }
  }
}

/** Each planned file copied local and checked against its manifest's checksum; the good ones, by table. */
async function runCheckFiles(
  planned: readonly PlannedFile[],
  fileProblems: FileProblem[],
  input: { localDir: string; progress: VerifyProgress },
): Promise<Pick<LakeRead, 'ingestionFiles' | 'processedFiles'>> {
  input.progress.phase('lake files', planned.length, 'files')
  const ingestionFiles: Partial<Record<SourceTable, string[]>> = {}
  const processedFiles: Partial<Record<WarehouseTable, string[]>> = {}
  for (const file of planned) {
    const path = toStorePath(file.store, file.key)
    try {
      // One local copy (the file itself on a folder store, one download from S3) serves both the
      // checksum and DuckDB's read.
      const local = await file.store.toLocalFile(file.key, `${input.localDir}/${file.side}`)
      const actual = await runDigestLocalFile(local, { gunzip: file.side === 'ingestion' })
      if (actual !== file.sha256) {
        fileProblems.push({ store: file.side, path, message: `checksum ${actual} ≠ manifest ${file.sha256}` })
      } else if (file.side === 'ingestion') {
        const list = ingestionFiles[file.table as SourceTable] ?? []
        list.push(local)
        ingestionFiles[file.table as SourceTable] = list
      } else {
        const list = processedFiles[file.table as WarehouseTable] ?? []
        list.push(local)
        processedFiles[file.table as WarehouseTable] = list
      }
    } catch (error) {
      fileProblems.push({ store: file.side, path, message: `unreadable: ${(error as Error).message}` })
    }
    input.progress.advance(1)
  }
  return { ingestionFiles, processedFiles }
}
