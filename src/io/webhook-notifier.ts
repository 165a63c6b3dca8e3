/** Sends each alert as a JSON POST to a URL (Slack-compatible `text` field included), with a timeout. */
import type { Alert, Notifier } from '../core/alert.ts'

export function webhookNotifier(url: string, timeoutMs = 5000): Notifier {
  return {
    async notify(alert: Alert) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: `totesys-etl ALERT: ${alert.message}`, ...alert }),
        signal: AbortSignal.timeout(timeoutMs),
      })
      if (!response.ok) throw new Error(`webhook answered ${response.status}`)
    },
  }
}
