/** Reading one JSON document of the lake through its codec: the one place a missing or bad copy is named. */
import type { z } from 'zod'
import { DataError } from '../errors.ts'
import type { Codec } from './codec.ts'
import type { ManifestStore } from './manifest-store.ts'

/** The document at `key`, parsed; missing or malformed is a DataError naming the store, the key and what to do. */
export async function readManifest<S extends z.ZodObject, T>(
  store: ManifestStore,
  key: string,
  codec: Codec<S, T>,
): Promise<T> {
  const found = await readManifestIfPresent(store, key, codec)
  if (found === undefined) {
    throw new DataError(`${codec.what} ${key} is missing from ${store.description}; ${codec.remedy}`, { key })
  }
  return found
}

/** The document at `key`, parsed, or undefined when there is none; malformed is a DataError. */
export async function readManifestIfPresent<S extends z.ZodObject, T>(
  store: ManifestStore,
  key: string,
  codec: Codec<S, T>,
): Promise<T | undefined> {
  const bytes = await store.get(key)
  if (bytes === undefined) return undefined
  return codec.parse(new TextDecoder().decode(bytes), `${key} in ${store.description}`)
}
