/**
 * What a function may do in a pipeline bucket, by key prefix: read, write (with aborting its own multipart
 * uploads) and delete, each limited to the prefixes its stage touches. Written as explicit statements, not
 * the CDK grants: those add `s3:DeleteObject*` (which includes DeleteObjectVersion and would defeat bucket
 * versioning as a safety net) and `s3:GetObject*`, and cannot leave one prefix out.
 */
import { Stack, Validations } from 'aws-cdk-lib'
import * as iam from 'aws-cdk-lib/aws-iam'
import type * as s3 from 'aws-cdk-lib/aws-s3'
import { STATUS_PREFIX } from '../../src/service/status-store.ts'

/** Key patterns (`_manifests/*`, `sales_order/*`) a function may read, write or delete in one bucket. */
export interface ObjectAccess {
  readonly read?: readonly string[]
  readonly write?: readonly string[]
  readonly delete?: readonly string[]
}

/** The one S3 action of each kind. Writing includes aborting an upload: a failed multipart upload tidies up. */
export const OBJECT_ACTIONS = {
  read: ['s3:GetObject'],
  write: ['s3:PutObject', 's3:AbortMultipartUpload'],
  delete: ['s3:DeleteObject'],
} as const

/**
 * Grants `role` the access in `bucket`, plus listing the bucket (a missing key then reads as 404, not 403,
 * which is how the stages tell "no manifest yet" from "refused"), and acknowledges cdk-nag's finding for
 * each prefix wildcard with the reason.
 */
export function grantObjectAccess(role: iam.Role, bucket: s3.IBucket, access: ObjectAccess): void {
  role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }))
  const logicalId = Stack.of(bucket).getLogicalId(bucket.node.defaultChild as s3.CfnBucket)
  for (const kind of ['read', 'write', 'delete'] as const) {
    const patterns = access[kind] ?? []
    if (patterns.length === 0) continue
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: [...OBJECT_ACTIONS[kind]],
        resources: patterns.map((p) => bucket.arnForObjects(p)),
      }),
    )
    for (const pattern of patterns) {
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/${pattern}]`,
        reason:
          'Batch files get keys made at run time (<table>/year=/month=/day=/<batch>-<attempt>, _manifests/<batch>.json), so objects are granted by the prefix this stage owns in this bucket, and only that prefix.',
      })
    }
  }
}

/**
 * Lets a function leave its trace in the status store (`_status/` in the processed bucket): put only;
 * the bucket's lifecycle rule expires the events, so no function may delete them. One policy per
 * bucket, attached to every writer: a statement in each role's own policy would push the transform's
 * past IAM's inline size (CDK then splits it into an overflow managed policy).
 */
export function grantStatusWrite(role: iam.Role, processed: s3.IBucket): void {
  const id = 'StatusWriters'
  const existing = processed.node.tryFindChild(id) as iam.Policy | undefined
  const policy =
    existing ??
    new iam.Policy(processed, id, {
      statements: [
        new iam.PolicyStatement({
          actions: [...OBJECT_ACTIONS.write],
          resources: [processed.arnForObjects(STATUS_OBJECTS)],
        }),
      ],
    })
  if (!existing) {
    const logicalId = Stack.of(processed).getLogicalId(processed.node.defaultChild as s3.CfnBucket)
    Validations.of(policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/${STATUS_OBJECTS}]`,
      reason:
        'Status events get keys made at run time (_status/<group>/<day>/<time>-<seq>.json): writers are granted the _status/ prefix, put only.',
    })
  }
  policy.attachToRole(role)
}

/** The status store's objects in the processed bucket. */
export const STATUS_OBJECTS = `${STATUS_PREFIX}*`

/** `<name>/*` for each name: the data files of those tables. */
export function tablePrefixes(tables: readonly string[]): string[] {
  return tables.map((t) => `${t}/*`)
}
