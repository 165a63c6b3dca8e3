/**
 * A replication connection (`replication=database`) that creates a logical slot and exports its
 * snapshot. The snapshot stays importable (`SET TRANSACTION SNAPSHOT`) only while this connection is
 * open and idle, so the caller reads the snapshot first and closes it after.
 */
import pg from 'pg'
import { quoteIdent } from '../core/sql-ident.ts'
import { toConnectionError } from './pg-database.ts'

export interface SlotSnapshot {
  /** The LSN from which the slot decodes: every transaction committed before it is in the snapshot. */
  readonly consistentPoint: string
  /** The exported snapshot's name, for SET TRANSACTION SNAPSHOT on another connection. */
  readonly snapshotName: string
  /** Ends the replication connection (the snapshot is no longer importable; the slot stays). */
  close(): Promise<void>
}

/** Creates `slot` (pgoutput) on the server `url` names and holds its exported snapshot open. */
export async function runCreateSlotWithSnapshot(url: string, slot: string): Promise<SlotSnapshot> {
  // `replication` is a documented connection parameter that pg's ClientConfig type does not list.
  const config = {
    connectionString: url,
    replication: 'database',
    application_name: 'totesys-etl cdc',
    connectionTimeoutMillis: 10_000,
  } as pg.ClientConfig
  const client = new pg.Client(config)
  client.on('error', () => {})
  try {
    await client.connect()
  } catch (error) {
    throw toConnectionError(error, 'source (TOTESYS_DB_URL)', url)
  }
  try {
    const result = await client.query<{ consistent_point: string; snapshot_name: string }>(
      `CREATE_REPLICATION_SLOT ${quoteIdent(slot)} LOGICAL pgoutput (SNAPSHOT 'export')`,
    )
    const row = result.rows[0]
    if (!row) throw new Error(`CREATE_REPLICATION_SLOT ${slot} returned nothing`)
    return {
      consistentPoint: row.consistent_point,
      snapshotName: row.snapshot_name,
      close: () => client.end().catch(() => {}),
    }
  } catch (error) {
    await client.end().catch(() => {})
    throw error
  }
}
