/**
 * Alerts reach people once per incident: the same alert (message + table) within the cooldown is logged
 * as an error instead of alerting again. Each alert that does fire also goes to the notifier (a webhook
 * locally; in AWS, CloudWatch alarms on the ALERT log lines notify SNS).
 */
import type { Notifier } from '../core/alert.ts'
import type { Log, LogFields } from '../log.ts'

/** The key that tells one incident from another. */
export function toIncidentKey(message: string, fields: LogFields): string {
  return [message, fields.table, fields.dataset].filter((x) => x !== undefined).join('|')
}

/** Wraps a log so alerts are deduplicated per incident and sent to the notifier. */
export function alertingLog(
  log: Log,
  options: { notifier?: Notifier; cooldownMs?: number; now?: () => number } = {},
): Log {
  const cooldownMs = options.cooldownMs ?? 60 * 60_000
  const now = options.now ?? Date.now
  const lastAlerted = new Map<string, number>()
  return {
    ...log,
    alert(message, fields = {}) {
      const key = toIncidentKey(message, fields)
      const at = now()
      const previous = lastAlerted.get(key)
      if (previous !== undefined && at - previous < cooldownMs) {
        log.error(message, { ...fields, repeatOfAlert: true })
        return
      }
      lastAlerted.set(key, at)
      log.alert(message, fields)
      options.notifier?.notify({ message, fields, at }).catch((error: unknown) => {
        log.error('alert notifier failed', { error: error instanceof Error ? error.message : String(error) })
      })
    },
  }
}

/** Tracks a condition (freshness over threshold, say): alerts when it starts, logs when it ends. */
export function conditionTracker(log: Log, message: string) {
  let active = false
  return (holds: boolean, fields: LogFields = {}): void => {
    if (holds && !active) log.alert(message, fields)
    if (!holds && active) log.info(`resolved: ${message}`, { ...fields, resolved: true })
    active = holds
  }
}
