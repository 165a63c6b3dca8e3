/**
 * The CloudWatch metrics the Lambda handlers emit (embedded metric format) and the stack alarms on:
 * declared once, with their units, so the code that writes a metric and the alarm that reads it cannot
 * drift apart.
 */

/** The namespace of every custom metric. */
export const METRIC_NAMESPACE = 'totesys-etl'

/** The one dimension every custom metric carries (`service`, as Powertools Metrics sets it). */
export const METRIC_SERVICE = 'totesys-etl'

/** The pipeline stages' metrics. */
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

/** The streams' metrics (FX rates, JSON datasets). */
export const STREAM_METRICS = {
  /** 1 per FX run that landed and loaded its range. */
  fxSucceeded: 'FxRunSucceeded',
  /** fact_fx_rate rows inserted or changed by a run. */
  fxRatesLoaded: 'FxRatesLoaded',
  /** Provider answers or rows the FX transform held back. */
  fxQuarantined: 'FxQuarantinedRecords',
  /** New dataset files landed by a run. */
  datasetFiles: 'DatasetFilesLanded',
  /** Dataset files and records held back in quarantine by a run. */
  datasetQuarantined: 'DatasetQuarantined',
  /** Datasets whose run failed. */
  datasetFailures: 'DatasetFailures',
} as const

export type StageMetricName = (typeof METRIC_NAMES)[keyof typeof METRIC_NAMES]
export type StreamMetricName = (typeof STREAM_METRICS)[keyof typeof STREAM_METRICS]
export type MetricName = StageMetricName | StreamMetricName

/** Every metric is a count but the freshness lag, in seconds (CloudWatch's unit names). */
export function metricUnitOf(name: MetricName): 'Count' | 'Seconds' {
  return name === METRIC_NAMES.freshnessLagSeconds ? 'Seconds' : 'Count'
}
