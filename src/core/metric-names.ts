/**
 * The CloudWatch metrics the Lambda handlers emit (embedded metric format) and the stack alarms on:
 * declared once so the code that writes a metric and the alarm that reads it cannot drift apart.
 */

/** The namespace of every custom metric. */
export const METRIC_NAMESPACE = 'totesys-etl'

/** The one dimension every custom metric carries (`service`, as Powertools Metrics sets it). */
export const METRIC_SERVICE = 'totesys-etl'

export const METRIC_NAMES = {
  /** 1 per extract run that read every table (committed a batch or found no changes). */
  extractSucceeded: 'ExtractSucceeded',
  /** Rows an extract run wrote to the ingestion store. */
  extractedRows: 'ExtractedRows',
  /** Tables an extract run could not read (the batch still commits the others). */
  extractFailedTables: 'ExtractFailedTables',
  /** Processed batches a transform run committed. */
  transformedBatches: 'TransformedBatches',
  /** Rows the transform held back in quarantine. */
  quarantinedRows: 'QuarantinedRows',
  /** Batches a load run committed into the warehouse. */
  loadedBatches: 'LoadedBatches',
  /** Age of the oldest committed ingestion batch the warehouse does not hold yet; 0 when it holds all. */
  freshnessLagSeconds: 'FreshnessLagSeconds',
} as const

export type MetricName = (typeof METRIC_NAMES)[keyof typeof METRIC_NAMES]
