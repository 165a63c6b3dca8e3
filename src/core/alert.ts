/**
 * An alert as it leaves the pipeline, and the port that delivers it (a webhook locally; in AWS,
 * CloudWatch alarms on the ALERT log lines notify SNS). Declared here so adapters in io/ implement it
 * without importing the service that raises alerts.
 */
export interface Alert {
  readonly message: string
  readonly fields: Readonly<Record<string, unknown>>
  /** Epoch milliseconds. */
  readonly at: number
}

export interface Notifier {
  notify(alert: Alert): Promise<void>
}
