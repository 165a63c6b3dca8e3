/**
 * The three stages and what wakes them: the extract on a schedule, the transform when an ingestion
 * manifest lands, the load when a processed manifest lands and on a safety schedule. Each stage runs one
 * invocation at a time (infra/lib/serial-trigger.ts) and may touch only the prefixes it owns:
 * - extract: writes its tables' files and manifests in the ingestion bucket (never `_schemas/` or
 *   `_quarantine/`), deletes only its own tables' files (a run that loses the commit race tidies up);
 * - transform: reads the ingestion batches, writes `_schemas/` and `_quarantine/` there, and its tables,
 *   state and manifests in the processed bucket;
 * - load: reads the processed batches and the ingestion manifests (for freshness), writes no object.
 */
import { Duration } from 'aws-cdk-lib'
import * as events from 'aws-cdk-lib/aws-events'
import * as lambda from 'aws-cdk-lib/aws-lambda'
import type * as logs from 'aws-cdk-lib/aws-logs'
import type * as s3 from 'aws-cdk-lib/aws-s3'
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager'
import type * as sqs from 'aws-cdk-lib/aws-sqs'
import { Construct } from 'constructs'
import { MANIFEST_PREFIX } from '../../src/core/batch-id.ts'
import { SOURCE_TABLES } from '../../src/core/source-catalogue.ts'
import { WAREHOUSE_TABLES } from '../../src/core/warehouse-catalogue.ts'
import { grantObjectAccess, tablePrefixes } from './lake-access.ts'
import { SerialTrigger } from './serial-trigger.ts'
import type { StackParameters } from './stack-parameters.ts'
import { type FunctionNetwork, StageFunction, type StageName } from './stage-function.ts'

export interface PipelineProps {
  readonly ingestion: s3.Bucket
  readonly processed: s3.Bucket
  readonly parameters: StackParameters
  readonly deadLetterQueue: sqs.Queue
  readonly stageDeadLetterQueue: sqs.Queue
  readonly logRetention: logs.RetentionDays
  /** The architecture of the functions that ship DuckDB (arm64 unless the context says x86_64). */
  readonly duckdbArchitecture: lambda.Architecture
  readonly network?: FunctionNetwork
}

const MANIFESTS = `${MANIFEST_PREFIX}*`

/** A schedule every N minutes (N a parameter that divides 60). */
export function everyMinutes(minutes: { valueAsString: string }): events.Schedule {
  return events.Schedule.expression(`cron(0/${minutes.valueAsString} * * * ? *)`)
}

/** The EventBridge pattern of a manifest landing in a bucket. */
export function manifestCreated(bucketName: string): events.EventPattern {
  return {
    source: ['aws.s3'],
    detailType: ['Object Created'],
    detail: { bucket: { name: [bucketName] }, object: { key: [{ prefix: MANIFEST_PREFIX }] } },
  }
}

export class Pipeline extends Construct {
  readonly functions: Record<StageName, StageFunction>
  readonly triggers: Record<StageName, SerialTrigger>

  constructor(scope: Construct, id: string, props: PipelineProps) {
    super(scope, id)
    const { ingestion, processed, parameters } = props
    const common = { deadLetterQueue: props.deadLetterQueue, logRetention: props.logRetention }
    const stores = {
      INGESTION_STORE: `s3://${ingestion.bucketName}`,
      PROCESSED_STORE: `s3://${processed.bucketName}`,
    }
    const vpc = props.network ? { vpc: props.network } : {}
    const secret = (name: 'TotesysDbSecretArn' | 'WarehouseDbSecretArn') =>
      secretsmanager.Secret.fromSecretCompleteArn(this, name, parameters.secrets[name].valueAsString)

    const extract = new StageFunction(this, 'Extract', {
      ...common,
      stage: 'extract',
      description: 'totesys-etl: one incremental extract from totesys into the ingestion bucket',
      architecture: lambda.Architecture.ARM_64,
      memorySize: 1024,
      timeout: Duration.minutes(5),
      duckdb: false,
      dialsDatabase: true,
      environment: {
        ...stores,
        TOTESYS_DB_SECRET_ARN: parameters.secrets.TotesysDbSecretArn.valueAsString,
        EXTRACT_LAG: parameters.extractLag.valueAsString,
      },
      ...vpc,
    })
    const transform = new StageFunction(this, 'Transform', {
      ...common,
      stage: 'transform',
      description: 'totesys-etl: every pending ingestion batch into parquet in the processed bucket',
      architecture: props.duckdbArchitecture,
      memorySize: 2048,
      timeout: Duration.minutes(10),
      duckdb: true,
      dialsDatabase: false,
      environment: { ...stores },
    })
    const load = new StageFunction(this, 'Load', {
      ...common,
      stage: 'load',
      description: 'totesys-etl: every pending processed batch into the warehouse, exactly once',
      architecture: props.duckdbArchitecture,
      memorySize: 1536,
      timeout: Duration.minutes(10),
      duckdb: true,
      dialsDatabase: true,
      environment: {
        ...stores,
        WAREHOUSE_DB_SECRET_ARN: parameters.secrets.WarehouseDbSecretArn.valueAsString,
        PURCHASE_FACT_TABLE: parameters.purchaseFactTable.valueAsString,
      },
      ...vpc,
    })
    this.functions = { extract, transform, load }

    const sourceFiles = tablePrefixes(SOURCE_TABLES)
    const warehouseFiles = tablePrefixes(WAREHOUSE_TABLES)
    grantObjectAccess(extract.role, ingestion, {
      read: [MANIFESTS],
      write: [MANIFESTS, ...sourceFiles],
      delete: sourceFiles,
    })
    grantObjectAccess(transform.role, ingestion, {
      read: [MANIFESTS, ...sourceFiles, '_schemas/*', '_quarantine/*'],
      write: ['_schemas/*', '_quarantine/*'],
    })
    grantObjectAccess(transform.role, processed, {
      read: [MANIFESTS, '_state/*', ...warehouseFiles],
      write: [MANIFESTS, '_state/*', ...warehouseFiles],
      delete: warehouseFiles,
    })
    grantObjectAccess(load.role, processed, { read: [MANIFESTS, ...warehouseFiles] })
    // Freshness reads the next ingestion manifest.
    grantObjectAccess(load.role, ingestion, { read: [MANIFESTS] })
    secret('TotesysDbSecretArn').grantRead(extract.fn)
    secret('WarehouseDbSecretArn').grantRead(load.fn)

    const triggers = { deadLetterQueue: props.stageDeadLetterQueue, undeliveredEvents: props.deadLetterQueue }
    this.triggers = {
      extract: new SerialTrigger(this, 'ExtractTrigger', {
        ...triggers,
        function: extract,
        wakes: [
          {
            id: 'ExtractSchedule',
            description: 'Wakes the extract every ExtractEveryMinutes minutes',
            schedule: everyMinutes(parameters.extractEveryMinutes),
          },
        ],
      }),
      transform: new SerialTrigger(this, 'TransformTrigger', {
        ...triggers,
        function: transform,
        wakes: [
          {
            id: 'IngestionManifestCreated',
            description: 'Wakes the transform when an ingestion batch commits (its manifest lands)',
            eventPattern: manifestCreated(ingestion.bucketName),
          },
        ],
      }),
      load: new SerialTrigger(this, 'LoadTrigger', {
        ...triggers,
        function: load,
        wakes: [
          {
            id: 'ProcessedManifestCreated',
            description: 'Wakes the load when a processed batch commits (its manifest lands)',
            eventPattern: manifestCreated(processed.bucketName),
          },
          {
            id: 'LoadSafetySchedule',
            description: 'Wakes the load every LoadSafetyEveryMinutes minutes, in case an event was missed',
            schedule: everyMinutes(parameters.loadSafetyEveryMinutes),
          },
        ],
      }),
    }
  }
}
