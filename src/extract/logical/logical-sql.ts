/**
 * The SQL of logical mode, against the source. Slot and publication names are checked against
 * SLOT_NAME before they reach any statement; values travel as parameters wherever PostgreSQL takes them.
 */

import { DataError } from '../../core/errors.ts'
import { SOURCE_TABLES } from '../../core/source-catalogue.ts'
import { quoteIdent } from '../../core/sql-ident.ts'
import { CURSOR_TS_FORMAT } from '../plan-cursor.ts'

/** What a slot or publication name may be (PostgreSQL allows lower-case letters, digits, underscore). */
export const SLOT_NAME = /^[a-z0-9_]{1,63}$/

/** `SET TRANSACTION SNAPSHOT` takes no parameter: the name an exported snapshot has, checked. */
export function setSnapshotSql(name: string): string {
  if (!/^[0-9A-F]+(-[0-9A-F]+)+$/.test(name)) throw new DataError(`not an exported snapshot name: '${name}'`)
  return `SET TRANSACTION SNAPSHOT '${name}'`
}

/** The publication of the 11 source tables. */
export function createPublicationSql(publication: string): string {
  const tables = SOURCE_TABLES.map((t) => `public.${quoteIdent(t)}`).join(', ')
  return `CREATE PUBLICATION ${quoteIdent(publication)} FOR TABLE ${tables}`
}

/** $1 publication: whether it exists. */
export const PUBLICATION_EXISTS_SQL = 'SELECT count(*)::int AS n FROM pg_publication WHERE pubname = $1'

/**
 * $1 slot: its state in this database, or no row. `retained_bytes` is the WAL the server keeps for it
 * (from restart_lsn to now): what endangers the source's disk when the slot falls behind.
 */
export const SLOT_STATE_SQL = `SELECT confirmed_flush_lsn::text AS confirmed, wal_status, active_pid,
    plugin, database = current_database() AS here,
    pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint::text AS retained_bytes
  FROM pg_replication_slots WHERE slot_name = $1`

/** Where the server's WAL is flushed now: a peek up to it decodes every commit before it. */
export const FLUSH_LSN_SQL = 'SELECT pg_current_wal_flush_lsn()::text AS upto'

/**
 * $1 slot, $2 most changes (whole transactions: PostgreSQL stops after the transaction that crosses it),
 * $3 publication, $4 decode only transactions that commit before this LSN. Peek, not get: the slot moves
 * only when the batch is committed (ADVANCE_SQL).
 */
export const PEEK_SQL = `SELECT data FROM pg_logical_slot_peek_binary_changes($1, $4::pg_lsn, $2::int,
    'proto_version', '1', 'publication_names', $3)`

/**
 * $1 slot, $2 LSN: the slot's confirmed position after a committed batch, or past WAL that held nothing
 * for the publication. Only forward: another consumer may have moved it further already.
 */
export const ADVANCE_SQL = `SELECT pg_replication_slot_advance(slot_name, $2::pg_lsn)::text AS moved
  FROM pg_replication_slots WHERE slot_name = $1 AND confirmed_flush_lsn < $2::pg_lsn`

/** $1 slot. */
export const DROP_SLOT_SQL = 'SELECT pg_drop_replication_slot($1)'

/**
 * What logical mode needs of the source, for `check`: $1 slot, $2 publication, $3 the source tables.
 * Every function and view used here is open to PUBLIC.
 */
export const READINESS_SQL = `SELECT current_setting('wal_level') AS wal_level,
    current_setting('max_replication_slots')::int AS max_slots,
    (SELECT count(*)::int FROM pg_replication_slots) AS slots_used,
    (SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user) AS can_replicate,
    EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid
      WHERE r.rolname = 'rds_replication' AND m.member = (SELECT oid FROM pg_roles WHERE rolname = current_user))
      AS rds_replication,
    current_setting('server_version_num')::int / 10000 AS major,
    EXISTS (SELECT 1 FROM pg_publication WHERE pubname = $2) AS publication_exists,
    has_database_privilege(current_database(), 'CREATE') AND coalesce((SELECT bool_and(pg_has_role(c.relowner, 'USAGE'))
      FROM pg_class c WHERE c.oid IN (SELECT to_regclass('public.' || quote_ident(t)) FROM unnest($3::text[]) t)), false)
      AS can_publish,
    (SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint::text FROM pg_replication_slots
      WHERE slot_name = $1) AS slot_retained_bytes,
    EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = $1) AS slot_exists`

/** A table is on the time axis when it is a year 1 to 9999 stamp (as the cursor extract says). */
const onAxis = (x: string) => `(${x} >= '0001-01-01' AND ${x} < '10000-01-01')`

/**
 * The cursor arithmetic of the cursor extract (source-sql.ts windowStatsSql) over the keys a log batch
 * wrote, so a switch back to cursor mode resumes after them: $1 ids, $2 last_updated texts, $3 previous
 * hi, $4 the source's clock, $5 lag in ms.
 */
export const LOG_CURSOR_SQL = `WITH k AS (SELECT * FROM unnest($1::int[], $2::timestamp[]) AS k(id, lu)),
  span AS (SELECT min(lu) FILTER (WHERE ${onAxis('lu')}) AS lo, max(lu) FILTER (WHERE ${onAxis('lu')}) AS hi FROM k),
  agg AS (SELECT span.*, greatest(CASE WHEN span.hi IS NOT NULL THEN least(span.hi, $4::timestamp) END, $3::timestamp)
    - $5::int * interval '1 millisecond' AS cutoff FROM span)
  SELECT to_char(agg.lo, '${CURSOR_TS_FORMAT}') AS min_last_updated,
    to_char(agg.hi, '${CURSOR_TS_FORMAT}') AS max_last_updated,
    to_char(agg.cutoff, '${CURSOR_TS_FORMAT}') AS cutoff,
    (SELECT coalesce(json_agg(json_build_array(k.id, to_char(k.lu, '${CURSOR_TS_FORMAT}')) ORDER BY k.lu, k.id), '[]'::json)
      FROM k WHERE ${onAxis('k.lu')} AND k.lu >= agg.cutoff) AS edge,
    (SELECT coalesce(json_agg(json_build_array(k.id, k.lu::text) ORDER BY k.id), '[]'::json)
      FROM k WHERE NOT ${onAxis('k.lu')}) AS off_axis
  FROM agg`
