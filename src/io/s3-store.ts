/** An ObjectStore on S3 (or any S3-compatible server), through the AWS SDK v3. */
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ServiceException,
} from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import type { ObjectStore } from './object-store.ts'
import { toStoreError } from './store-failure.ts'

export interface S3StoreOptions {
  readonly bucket: string
  readonly prefix: string
  readonly endpoint?: string | undefined
  /** The region a custom endpoint is addressed in (AWS_REGION, read by config.ts); default us-east-1. */
  readonly region?: string | undefined
  readonly client?: S3Client
  /** How errors name this store, e.g. `ingestion store (INGESTION_STORE)`. */
  readonly name?: string
}

/**
 * Builds the S3 client: a custom endpoint (tests, MinIO) gets path-style addressing and a region (the
 * SDK insists on one); without an endpoint the SDK finds the region and credentials the standard ways.
 */
export function makeS3Client(endpoint: string | undefined, region?: string): S3Client {
  return new S3Client(
    endpoint === undefined ? {} : { endpoint, forcePathStyle: true, region: region ?? 'us-east-1' },
  )
}

/** An answer from S3 (403, 404 …), as opposed to a network failure (retried by the SDK, then transient). */
function isServiceError(error: unknown): boolean {
  return (error as S3ServiceException | null)?.$metadata?.httpStatusCode !== undefined
}

function isStatus(error: unknown, ...statuses: number[]): boolean {
  const status = (error as S3ServiceException | null)?.$metadata?.httpStatusCode
  return status !== undefined && statuses.includes(status)
}

export class S3Store implements ObjectStore {
  readonly description: string
  private readonly client: S3Client
  private readonly bucket: string
  private readonly prefix: string
  private readonly name: string

  constructor(options: S3StoreOptions) {
    this.bucket = options.bucket
    this.prefix = options.prefix === '' ? '' : `${options.prefix.replace(/\/+$/, '')}/`
    this.client = options.client ?? makeS3Client(options.endpoint, options.region)
    this.description = `s3://${this.bucket}/${this.prefix}`
    this.name = `${options.name ?? 'store'} ${this.description}`
  }

  /** Sends a command; an S3 refusal becomes a StoreError naming the object (network errors pass through). */
  private async call<T>(operation: string, key: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (error) {
      if (!isServiceError(error)) throw error
      throw toStoreError(this.name, operation, `s3://${this.bucket}/${this.key(key)}`, error)
    }
  }

  private key(key: string): string {
    return `${this.prefix}${key}`
  }

  async put(key: string, body: Uint8Array | string): Promise<void> {
    await this.call('write', key, () =>
      this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.key(key), Body: body })),
    )
  }

  async putStream(key: string, body: Readable): Promise<void> {
    // Multipart upload in 8 MiB parts: memory stays bounded whatever the object's size.
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: this.key(key), Body: body },
      partSize: 8 * 1024 * 1024,
      queueSize: 2,
    })
    await this.call('write', key, () => upload.done())
  }

  async createIfAbsent(key: string, body: Uint8Array | string): Promise<boolean> {
    try {
      await this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: this.key(key), Body: body, IfNoneMatch: '*' }),
      )
      return true
    } catch (error) {
      // 412: the object exists. 409: a concurrent conditional write to the same key is in flight.
      if (isStatus(error, 412, 409)) return false
      if (!isServiceError(error)) throw error
      throw toStoreError(this.name, 'write', `s3://${this.bucket}/${this.key(key)}`, error)
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(key) }))
      return out.Body === undefined ? new Uint8Array() : await out.Body.transformToByteArray()
    } catch (error) {
      if (isStatus(error, 404) && (error as Error).name !== 'NoSuchBucket') return undefined
      if (!isServiceError(error)) throw error
      throw toStoreError(this.name, 'read', `s3://${this.bucket}/${this.key(key)}`, error)
    }
  }

  async getStream(key: string): Promise<Readable> {
    const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(key) }))
    if (out.Body === undefined) return Readable.from([])
    return out.Body as Readable
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = []
    let token: string | undefined
    do {
      const page = await this.call('list', prefix, () =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: this.key(prefix),
            ContinuationToken: token,
          }),
        ),
      )
      for (const object of page.Contents ?? []) {
        if (object.Key !== undefined) keys.push(object.Key.slice(this.prefix.length))
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined
    } while (token !== undefined)
    return keys.sort()
  }

  async delete(key: string): Promise<void> {
    await this.call('delete', key, () =>
      this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(key) })),
    )
  }

  async toLocalFile(key: string, tmpDir: string): Promise<string> {
    const path = join(tmpDir, ...key.split('/'))
    await mkdir(dirname(path), { recursive: true })
    await pipeline(await this.getStream(key), createWriteStream(path))
    return path
  }

  async putFile(key: string, path: string): Promise<void> {
    await this.putStream(key, createReadStream(path))
  }
}
