/**
 * A read-only view of a bucket or folder someone else writes to (the JSON datasets' sources): list the
 * objects with a version tag, read one. On S3 the tag is the object's ETag; on a folder it is size and
 * modification time, which change whenever the file is rewritten.
 */
import { readFile, stat } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3'
import type { StoreLocation } from '../config.ts'
import { makeS3Client } from './s3-store.ts'
import { runWalkFiles } from './walk-files.ts'

export interface ExternalObject {
  /** Relative to the source's root (bucket prefix or folder). */
  readonly key: string
  readonly etag: string
  readonly bytes: number
}

export interface ExternalSource {
  readonly description: string
  /** Every object, sorted by key. */
  list(): Promise<ExternalObject[]>
  /** An object's bytes; throws when it is gone. */
  read(key: string): Promise<Uint8Array>
}

/** Opens the source a location names. */
export function openExternalSource(
  location: StoreLocation,
  s3Endpoint?: string,
  s3Region?: string,
): ExternalSource {
  return location.kind === 'folder'
    ? folderSource(location.path)
    : s3Source(location.bucket, location.prefix, makeS3Client(s3Endpoint, s3Region))
}

function folderSource(root: string): ExternalSource {
  return {
    description: root,
    async list() {
      const out: ExternalObject[] = []
      for (const full of await runWalkFiles(root)) {
        const key = relative(root, full).split(sep).join('/')
        // A name that is not UTF-8 comes back with U+FFFD and cannot be opened by it: list it anyway, so
        // the reader holds it with its reason instead of the listing failing on every run.
        const s = await stat(full).catch(() => undefined)
        out.push(
          s
            ? { key, etag: `${s.size}-${Math.trunc(s.mtimeMs)}`, bytes: s.size }
            : { key, etag: 'unreadable', bytes: 0 },
        )
      }
      return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    },
    async read(key) {
      if (key.split('/').some((part) => part === '..' || part === '')) throw new Error(`invalid key '${key}'`)
      return readFile(join(root, ...key.split('/')))
    },
  }
}

function s3Source(bucket: string, prefix: string, client: S3Client): ExternalSource {
  const root = prefix === '' ? '' : `${prefix.replace(/\/+$/, '')}/`
  return {
    description: `s3://${bucket}/${root}`,
    async list() {
      const out: ExternalObject[] = []
      let token: string | undefined
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: root, ContinuationToken: token }),
        )
        for (const o of page.Contents ?? []) {
          if (!o.Key || o.Key.endsWith('/')) continue
          out.push({
            key: o.Key.slice(root.length),
            etag: (o.ETag ?? '').replaceAll('"', ''),
            bytes: o.Size ?? 0,
          })
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined
      } while (token)
      return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    },
    async read(key) {
      const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: `${root}${key}` }))
      if (!object.Body) throw new Error(`s3://${bucket}/${root}${key} has no body`)
      return object.Body.transformToByteArray()
    },
  }
}
