/**
 * Where a handler's metrics go: CloudWatch through Powertools' embedded metric format (one JSON line
 * on stdout per invocation, which Lambda turns into metrics), or memory in tests.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics'
import { METRIC_NAMES, METRIC_NAMESPACE, METRIC_SERVICE, type MetricName } from '../../core/metric-names.ts'

export type MetricValues = Partial<Record<MetricName, number>>

/** Publishes one invocation's metrics. */
export type EmitMetrics = (values: MetricValues) => void

const UNITS: Record<MetricName, (typeof MetricUnit)[keyof typeof MetricUnit]> = {
  [METRIC_NAMES.extractSucceeded]: MetricUnit.Count,
  [METRIC_NAMES.extractedRows]: MetricUnit.Count,
  [METRIC_NAMES.extractFailedTables]: MetricUnit.Count,
  [METRIC_NAMES.transformedBatches]: MetricUnit.Count,
  [METRIC_NAMES.quarantinedRows]: MetricUnit.Count,
  [METRIC_NAMES.loadedBatches]: MetricUnit.Count,
  [METRIC_NAMES.freshnessLagSeconds]: MetricUnit.Seconds,
}

/** Metrics in the `totesys-etl` namespace with the `service` dimension the alarms select. */
export function powertoolsMetrics(): EmitMetrics {
  const metrics = new Metrics({ namespace: METRIC_NAMESPACE, serviceName: METRIC_SERVICE })
  return (values) => {
    for (const [name, value] of Object.entries(values) as [MetricName, number][]) {
      metrics.addMetric(name, UNITS[name], value)
    }
    metrics.publishStoredMetrics()
  }
}

/** Keeps what was emitted, for tests. */
export function memoryMetrics(): EmitMetrics & { readonly emitted: MetricValues[] } {
  const emitted: MetricValues[] = []
  return Object.assign((values: MetricValues) => void emitted.push(values), { emitted })
}
