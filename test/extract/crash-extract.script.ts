/**
 * Child process for the kill -9 test: runs an extract and SIGKILLs itself at a named point.
 * Usage: node --import tsx crash-extract.script.ts <db url> <store dir> <point> <nth>
 */
import { runExtract } from '../../src/extract/run-extract.ts'
import { FolderStore } from '../../src/io/folder-store.ts'
import { PgDatabase } from '../../src/io/pg-database.ts'
import { silentLog } from '../../src/log.ts'

const [url = '', dir = '', point = '', nth = '1'] = process.argv.slice(2)
let seen = 0
await runExtract(
  {
    source: new PgDatabase(url),
    ingestion: new FolderStore(dir),
    log: silentLog,
    faults: (p) => {
      if (p === point && ++seen === Number(nth)) process.kill(process.pid, 'SIGKILL')
    },
  },
  { lagMs: 120_000 },
)
console.log('finished without being killed')
