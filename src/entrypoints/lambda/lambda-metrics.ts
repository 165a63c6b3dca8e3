/**
 * Where a handler's metrics go: CloudWatch through Powertools' embedded metric format (one JSON line
 * on stdout per invocation, which Lambda turns into metrics), or memory in tests. One emitter for every
 * function; what each run reports is derived from its result here, next to the names.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics'
import {
  METRIC_NAMES,
  METRIC_NAMESPACE,
  METRIC_SERVICE,
  type MetricName,
  metricUnitOf,
  STREAM_METRICS,
} from '../../core/metric-names.ts'
import type { ExtractResult } from '../../extract/run-extract.ts'
import type { LoadResult } from '../../load/run-load.ts'
import type { DatasetOutcome } from '../../streams/datasets/run-datasets.ts'
import type { FxResult } from '../../streams/fx/run-fx.ts'
import type { TransformResult } from '../../transform/run-transform.ts'

export type MetricValues = Partial<Record<MetricName, number>>
/** Publishes one invocation's metrics. */
export type EmitMetrics = (values: MetricValues) => void

/** Metrics in the `totesys-etl` namespace with the `service` dimension the alarms select. */
export function powertoolsMetrics(): EmitMetrics {
  const metrics = new Metrics({ namespace: METRIC_NAMESPACE, serviceName: METRIC_SERVICE })
  return (values) => {
    for (const [name, value] of Object.entries(values) as [MetricName, number][]) {
      metrics.addMetric(name, MetricUnit[metricUnitOf(name)], value)
    }
    metrics.publishStoredMetrics()
  }
}

/** Keeps what was emitted, for tests. */
export function memoryMetrics(): EmitMetrics & { readonly emitted: MetricValues[] } {
  const emitted: MetricValues[] = []
  return Object.assign((values: MetricValues) => void emitted.push(values), { emitted })
}

const sum = <T>(items: readonly T[], of: (item: T) => number): number =>
  items.reduce((n, item) => n + of(item), 0)

/** An extract run: whether every table was read, the rows written, the tables not read. */
export function toExtractMetrics(result: ExtractResult): MetricValues {
  return {
    [METRIC_NAMES.extractSucceeded]: result.failedTables.length === 0 ? 1 : 0,
    [METRIC_NAMES.extractedRows]: sum(Object.values(result.rows), (n) => n ?? 0),
    [METRIC_NAMES.extractFailedTables]: result.failedTables.length,
  }
}

/** A transform run: the batches it committed, the rows it held back. */
export function toTransformMetrics(result: TransformResult): MetricValues {
  return {
    [METRIC_NAMES.transformedBatches]: result.batches.filter((b) => b.committed).length,
    [METRIC_NAMES.quarantinedRows]: sum(result.batches, (b) => b.quarantinedRows),
  }
}

/** A load run: the batches it committed, and how fresh the warehouse is after it. */
export function toLoadMetrics(result: LoadResult, freshnessLagSeconds: number): MetricValues {
  return {
    [METRIC_NAMES.loadedBatches]: result.loaded.length,
    [METRIC_NAMES.freshnessLagSeconds]: freshnessLagSeconds,
  }
}

/** An FX run that landed and loaded its range: the rates changed, the records held back. */
export function toFxMetrics(result: FxResult): MetricValues {
  const rates = result.loaded.loaded.map((b) => b.tables.fact_fx_rate)
  return {
    [STREAM_METRICS.fxSucceeded]: 1,
    [STREAM_METRICS.fxRatesLoaded]: sum(rates, (t) => (t?.inserted ?? 0) + (t?.updated ?? 0)),
    [STREAM_METRICS.fxQuarantined]: sum(result.transformed, (t) => t.quarantinedRecords),
  }
}

/** A datasets round: new files, files and records held back, datasets that failed. */
export function toDatasetsMetrics(outcomes: readonly DatasetOutcome[]): MetricValues {
  return {
    [STREAM_METRICS.datasetFiles]: sum(outcomes, (o) => o.pickup?.files ?? 0),
    [STREAM_METRICS.datasetQuarantined]: sum(
      outcomes,
      (o) => (o.pickup?.heldFiles ?? 0) + sum(o.transformed ?? [], (t) => t.quarantinedRecords),
    ),
    [STREAM_METRICS.datasetFailures]: outcomes.filter((o) => o.error).length,
  }
}
