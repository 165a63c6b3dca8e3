/**
 * The CloudWatch metrics the extension functions emit and the stack alarms on (same namespace and
 * `service` dimension as the core metrics in src/core/metric-names.ts), declared once for both sides.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics'
import { METRIC_NAMESPACE, METRIC_SERVICE } from '../core/metric-names.ts'

export const EXTENSION_METRICS = {
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

/** Publishes counts in the pipeline's namespace (embedded metric format on stdout, as the core handlers do). */
export function powertoolsCounts(): (values: Readonly<Record<string, number>>) => void {
  const metrics = new Metrics({ namespace: METRIC_NAMESPACE, serviceName: METRIC_SERVICE })
  return (values) => {
    for (const [name, value] of Object.entries(values)) metrics.addMetric(name, MetricUnit.Count, value)
    metrics.publishStoredMetrics()
  }
}

export type ExtensionMetricName = (typeof EXTENSION_METRICS)[keyof typeof EXTENSION_METRICS]
