/** A source database loaded with the real snapshot, on either kind of PostgreSQL. */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FolderStore } from '../../src/io/folder-store.ts'
import { runLoadSnapshot } from '../../src/simulator/load-snapshot.ts'
import { runCreateSourceSchema } from '../../src/simulator/source-schema.ts'
import {
  createTestDatabase,
  type DatabaseKind,
  type DatabaseTemplate,
  hashOfFiles,
  type TestDatabase,
} from './databases.ts'

/**
 * The source schema with the real snapshot, made once (per content of sql/, data/ and src/) and copied:
 * test/simulator/load-snapshot.test.ts runs the load itself on fresh databases.
 */
export const SNAPSHOT_SOURCE: DatabaseTemplate = {
  name: 'snapshot',
  key: hashOfFiles('sql', 'data', 'src'),
  async fill(db) {
    await runCreateSourceSchema(db)
    await runLoadSnapshot(db)
  },
}

/** The snapshot in a new database of the given kind; undefined when that kind is unavailable. */
export function createSnapshotSource(kind: DatabaseKind): Promise<TestDatabase | undefined> {
  return createTestDatabase(kind, SNAPSHOT_SOURCE)
}

/** A new empty folder store in a temporary directory. */
export async function createTempStore(): Promise<{
  store: FolderStore
  dir: string
  remove(): Promise<void>
}> {
  const dir = await mkdtemp(join(tmpdir(), 'etl-store-'))
  return { store: new FolderStore(dir), dir, remove: () => rm(dir, { recursive: true, force: true }) }
}
