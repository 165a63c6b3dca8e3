/**
 * X-Ray tracing of a function (the stack turns on active tracing): one subsegment per invocation named
 * after the stage, annotated with the batch it handled, so `annotation.batchId = "0000000042"` in X-Ray
 * finds that batch's extract, transform and load. The events between stages (S3 → EventBridge → SQS) carry
 * no trace header, so each stage is its own trace and the batch id is what joins them. Calls to S3 and
 * Secrets Manager appear as subsegments (Powertools captures outgoing HTTPS). Outside Lambda it does nothing.
 */
import { Tracer } from '@aws-lambda-powertools/tracer'

let shared: Tracer | undefined
/** The process's tracer, made on first use (a warm container keeps it). */
function tracer(): Tracer {
  shared ??= new Tracer({ serviceName: 'totesys-etl' })
  return shared
}

/** The handler, traced: `batchIdsOf` names the batches a result covers (ascending). */
export function traced<E, C, R>(
  stage: string,
  handler: (event: E, context: C) => Promise<R>,
  batchIdsOf: (result: R) => readonly string[] = () => [],
): (event: E, context: C) => Promise<R> {
  return async (event, context) => {
    const t = tracer()
    const parent = t.isTracingEnabled() ? t.getSegment() : undefined
    if (!parent) return handler(event, context)
    const segment = parent.addNewSubsegment(`## ${stage}`)
    t.setSegment(segment)
    t.annotateColdStart()
    t.addServiceNameAnnotation()
    t.putAnnotation('stage', stage)
    try {
      const result = await handler(event, context)
      const ids = batchIdsOf(result)
      if (ids.length > 0) {
        t.putAnnotation('batchId', ids.at(-1)!)
        t.putAnnotation('batchIds', ids.join(','))
      }
      return result
    } catch (error) {
      t.addErrorAsMetadata(error as Error)
      throw error
    } finally {
      segment.close()
      t.setSegment(parent)
    }
  }
}
