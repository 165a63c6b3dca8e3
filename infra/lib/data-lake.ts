/**
 * The two stores as S3 buckets (encrypted, versioned, private, TLS only, access-logged, with lifecycle
 * rules) and the Glue Data Catalog over the processed one: a table per warehouse table, parquet,
 * partitioned year/month/day as the transform writes it, with partition projection so Athena sees new
 * days without crawlers.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib'
import * as glue from 'aws-cdk-lib/aws-glue'
import * as s3 from 'aws-cdk-lib/aws-s3'
import { Construct } from 'constructs'
import { WAREHOUSE_TABLES } from '../../src/core/warehouse-catalogue.ts'
import { STATUS_PREFIX, STATUS_RETENTION_DAYS } from '../../src/service/status-store.ts'
import { GLUE_PARTITION_KEYS, toGlueColumns, toGlueDatabaseName } from './glue-columns.ts'

export interface DataLakeProps {
  /** Sandboxes: buckets are emptied and deleted with the stack. Default: kept. */
  readonly destroyWithStack?: boolean
  /** Days before unreplayed quarantine entries expire. */
  readonly quarantineDays?: number
}

export class DataLake extends Construct {
  readonly ingestion: s3.Bucket
  readonly processed: s3.Bucket
  readonly accessLogs: s3.Bucket
  readonly database: glue.CfnDatabase
  /** The Glue database's name, derived from the stack's (toGlueDatabaseName). */
  readonly databaseName: string
  readonly tables: Record<string, glue.CfnTable> = {}

  constructor(scope: Construct, id: string, props: DataLakeProps = {}) {
    super(scope, id)
    const removal = props.destroyWithStack
      ? { removalPolicy: RemovalPolicy.DESTROY, autoDeleteObjects: true }
      : { removalPolicy: RemovalPolicy.RETAIN }
    const common = {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      ...removal,
    }
    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      ...common,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(90) }],
    })
    // cdk-nag recognises it as the data buckets' access-log target: logging it to itself would loop.
    const dataRules = (extra: s3.LifecycleRule[]): s3.LifecycleRule[] => [
      { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
      // Overwritten or deleted objects (a losing attempt's files, a replaced state) go after 30 days.
      { id: 'expire-old-versions', noncurrentVersionExpiration: Duration.days(30) },
      // Old batches are rarely read again (a rebuild, an audit): tiering costs nothing to read back.
      {
        id: 'tier-old-batches',
        transitions: [
          { storageClass: s3.StorageClass.INTELLIGENT_TIERING, transitionAfter: Duration.days(30) },
        ],
      },
      ...extra,
    ]
    this.ingestion = new s3.Bucket(this, 'Ingestion', {
      ...common,
      versioned: true,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'ingestion/',
      lifecycleRules: dataRules([
        {
          id: 'expire-quarantine',
          prefix: '_quarantine/',
          expiration: Duration.days(props.quarantineDays ?? 180),
        },
      ]),
    })
    this.processed = new s3.Bucket(this, 'Processed', {
      ...common,
      versioned: true,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'processed/',
      lifecycleRules: dataRules([
        // The status store's events (the CLI prunes them as it writes; the functions may not delete).
        {
          id: 'expire-status-events',
          prefix: STATUS_PREFIX,
          expiration: Duration.days(STATUS_RETENTION_DAYS + 1),
        },
      ]),
    })

    // Object events to EventBridge, set natively (eventBridgeEnabled would add a custom-resource Lambda).
    for (const bucket of [this.ingestion, this.processed]) {
      ;(bucket.node.defaultChild as s3.CfnBucket).notificationConfiguration = {
        eventBridgeConfiguration: { eventBridgeEnabled: true },
      }
    }

    const catalogId = Stack.of(this).account
    this.databaseName = toGlueDatabaseName(Stack.of(this).stackName)
    this.database = new glue.CfnDatabase(this, 'Catalog', {
      catalogId,
      databaseInput: {
        name: this.databaseName,
        description: 'The processed totesys batches (star schema as parquet), queryable with Athena',
      },
    })
    for (const table of WAREHOUSE_TABLES) {
      const location = `s3://${this.processed.bucketName}/${table}/`
      const cfn = new glue.CfnTable(this, `Table-${table}`, {
        catalogId,
        databaseName: this.databaseName,
        tableInput: {
          name: table,
          description: `Processed ${table} rows, one parquet file per batch`,
          tableType: 'EXTERNAL_TABLE',
          parameters: {
            classification: 'parquet',
            EXTERNAL: 'TRUE',
            'projection.enabled': 'true',
            'projection.year.type': 'integer',
            'projection.year.range': '2020,2099',
            'projection.month.type': 'integer',
            'projection.month.range': '1,12',
            'projection.month.digits': '2',
            'projection.day.type': 'integer',
            'projection.day.range': '1,31',
            'projection.day.digits': '2',
            'storage.location.template': `${location}year=\${year}/month=\${month}/day=\${day}`,
          },
          partitionKeys: [...GLUE_PARTITION_KEYS],
          storageDescriptor: {
            location,
            columns: toGlueColumns(table),
            inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
            outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
            serdeInfo: {
              serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
            },
          },
        },
      })
      cfn.addResourceDependency(this.database)
      this.tables[table] = cfn
    }
  }
}
