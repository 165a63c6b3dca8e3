/**
 * Whether an extract may skip reading the source because it can prove nothing was committed since its
 * last complete read. The proof is PostgreSQL's own transaction snapshot (`pg_current_snapshot()`):
 * two equal snapshots mean no transaction that wrote anything finished in between, anywhere on the
 * server (a commit or abort moves `xmax` or leaves the in-progress list). The per-table statistics
 * counters (`pg_stat_user_tables`) were tried and rejected: a backend flushes them up to 10 s after a
 * commit (measured here), and not at all while its connection stays inside a following transaction,
 * so "counters unchanged" does not prove "nothing changed". See docs/ARCHITECTURE.md.
 */

/** What the source says about itself, read in its own statement before the batch's snapshot is taken. */
export interface ChangeSignal {
  /** `pg_current_snapshot()` as text: `xmin:xmax:xip,…`. */
  readonly snapshot: string
  /** `pg_postmaster_start_time()`: a restart is a doubt, whatever the snapshot says. */
  readonly serverStartedAt: string
  /** A standby replays changes its own snapshot may not order as the primary's: always read. */
  readonly inRecovery: boolean
  /** The source's clock, in milliseconds since the epoch. */
  readonly atMs: number
}

/** The signal sampled before the last read that took every table to the end of its snapshot. */
export interface IdleMark {
  readonly signal: ChangeSignal
  /**
   * What the read was made at: the last committed batch once it was done (`<batch id>:<manifest
   * sha256>`: its cursors; a manifest changed in place is a doubt too) and the lag.
   */
  readonly readAt: string
}

/**
 * A skip is also bounded in time: after this long the tables are read again whatever the proof says,
 * so nothing that depends on the source's clock alone (a row stamped in the future becoming due) waits
 * longer than this.
 */
export const MAX_IDLE_SKIP_MS = 10 * 60_000

export type IdleDecision =
  | { readonly skip: true }
  | {
      readonly skip: false
      readonly reason:
        | 'no complete read yet'
        | 'source is a standby'
        | 'source restarted'
        | 'the cursors or the lag changed'
        | 'a transaction finished on the source'
        | 'skipped for too long'
    }

/** Pure: skip only when every doubt is ruled out. */
export function planIdleSkip(
  mark: IdleMark | undefined,
  now: ChangeSignal,
  readAt: string,
  maxSkipMs = MAX_IDLE_SKIP_MS,
): IdleDecision {
  if (mark === undefined) return { skip: false, reason: 'no complete read yet' }
  if (now.inRecovery || mark.signal.inRecovery) return { skip: false, reason: 'source is a standby' }
  if (now.serverStartedAt !== mark.signal.serverStartedAt) return { skip: false, reason: 'source restarted' }
  if (readAt !== mark.readAt) return { skip: false, reason: 'the cursors or the lag changed' }
  if (now.snapshot !== mark.signal.snapshot)
    return { skip: false, reason: 'a transaction finished on the source' }
  // A clock that went backwards is a doubt too.
  const age = now.atMs - mark.signal.atMs
  if (!(age >= 0 && age <= maxSkipMs)) return { skip: false, reason: 'skipped for too long' }
  return { skip: true }
}
