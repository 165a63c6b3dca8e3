/**
 * A function's invocation leaves the same trace in the status store as a CLI command: its alerts,
 * errors and batch timings as they are logged, and one outcome when it ends. So `status`, `history`
 * and the status page pointed at the stack's buckets show what the functions did, not an empty store.
 * The command is named `lambda <stage>`. A function may write status objects but not delete them:
 * the processed bucket's lifecycle rule expires them after the retention instead.
 */
import { runRecordedAs } from '../../service/record-run.ts'
import type { Deps } from '../make-deps.ts'

export function recordInvocation<T>(deps: Deps, stage: string, fn: (deps: Deps) => Promise<T>): Promise<T> {
  // A Lambda has no exit code: a failed invocation throws, and the throw is recorded as the outcome.
  return runRecordedAs(deps, `lambda ${stage}`, fn, { exitCode: () => undefined, prune: false })
}
