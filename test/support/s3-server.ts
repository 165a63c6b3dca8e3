/**
 * A real S3-compatible server for tests: s3rver on a free port, reached through the real AWS SDK.
 * s3rver predates S3's conditional writes, so this adds them the way S3 answers them: a PUT with
 * `If-None-Match: *` on an existing key gets 412 PreconditionFailed (checked and written under one lock).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import S3rver from 's3rver'

export interface TestS3 {
  readonly endpoint: string
  createBucket(name: string): Promise<void>
  close(): Promise<void>
}

interface KoaContext {
  method: string
  path: string
  headers: Record<string, string | undefined>
  status: number
  body: unknown
  type: string
}

export async function startTestS3(): Promise<TestS3> {
  process.env.AWS_ACCESS_KEY_ID = 'S3RVER'
  process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER'
  process.env.AWS_REGION ??= 'us-east-1'
  const directory = await mkdtemp(join(tmpdir(), 's3rver-'))
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory })
  const app = server as unknown as {
    middleware: Array<(ctx: KoaContext, next: () => Promise<void>) => Promise<void>>
    store: {
      existsObject(bucket: string, key: string): Promise<boolean>
      putBucket(name: string): Promise<void>
    }
  }
  let lock: Promise<void> = Promise.resolve()
  const conditionalPut = async (ctx: KoaContext, next: () => Promise<void>): Promise<void> => {
    if (ctx.method !== 'PUT' || ctx.headers['if-none-match'] !== '*') return next()
    const [, bucket = '', ...rest] = ctx.path.split('/')
    const key = decodeURIComponent(rest.join('/'))
    const previous = lock
    let release = (): void => {}
    lock = new Promise((resolve) => {
      release = resolve
    })
    await previous
    try {
      if (await app.store.existsObject(bucket, key)) {
        ctx.status = 412
        ctx.type = 'application/xml'
        ctx.body =
          '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message></Error>'
        return
      }
      await next()
    } finally {
      release()
    }
  }
  // Before the router (the last middleware), after logging and XML encoding.
  app.middleware.splice(app.middleware.length - 1, 0, conditionalPut)
  const address = (await server.run()) as AddressInfo
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    createBucket: (name) => app.store.putBucket(name),
    async close() {
      await server.close()
      await rm(directory, { recursive: true, force: true })
    },
  }
}
