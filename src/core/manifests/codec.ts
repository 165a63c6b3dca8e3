/**
 * One codec for every JSON document the lake holds (manifests, quarantine entries, markers): each format
 * is declared once, as a zod schema of its stored snake_case JSON; the in-memory type (camelCase,
 * readonly) and both directions of the conversion are derived from that schema. Text read from a store
 * is untrusted: `parse` turns anything wrong with it into one DataError that names the key and what to do.
 */
import type { z } from 'zod'
import { DataError } from '../errors.ts'

type CamelKey<S extends string> = S extends `${infer H}_${infer T}` ? `${H}${Capitalize<CamelKey<T>>}` : S

type DeepReadonly<T> = T extends readonly [unknown, ...unknown[]]
  ? { readonly [I in keyof T]: DeepReadonly<T[I]> }
  : T extends readonly (infer E)[]
    ? readonly DeepReadonly<E>[]
    : T extends object
      ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
      : T

type Shape = Record<string, z.ZodType>
type IsOptional<S> = S extends z.ZodOptional<z.ZodType> ? true : false

type DecodedObject<S extends Shape> = {
  readonly [K in keyof S as K extends string
    ? IsOptional<S[K]> extends true
      ? never
      : CamelKey<K>
    : never]: Decoded<S[K]>
} & {
  readonly [K in keyof S as K extends string
    ? IsOptional<S[K]> extends true
      ? CamelKey<K>
      : never
    : never]?: Decoded<S[K]>
}

/** The in-memory form of a stored JSON schema: object keys camelCase (record keys kept), all readonly. */
export type Decoded<S> =
  S extends z.ZodObject<infer O>
    ? O extends Shape
      ? DecodedObject<O>
      : never
    : S extends z.ZodArray<infer E>
      ? readonly Decoded<E>[]
      : S extends z.ZodNullable<infer I>
        ? Decoded<I> | null
        : S extends z.ZodOptional<infer I>
          ? Decoded<I> | undefined
          : S extends z.ZodType
            ? DeepReadonly<z.output<S>>
            : never

/** `batch_id` → `batchId`. */
export function toCamelKey(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())
}

interface Def {
  readonly type: string
  readonly shape?: Shape
  readonly element?: z.ZodType
  readonly innerType?: z.ZodType
  readonly valueType?: z.ZodType
}

/**
 * Renames the object keys of `value` along `schema`: `decode` from stored (snake) to in-memory (camel),
 * else the other way. Only keys the schema declares are kept; record keys (tables, columns) are data.
 */
function convert(schema: z.ZodType, value: unknown, decode: boolean): unknown {
  if (value === null || value === undefined) return value
  const def = (schema as unknown as { _zod: { def: Def } })._zod.def
  switch (def.type) {
    case 'object': {
      const out: Record<string, unknown> = {}
      const from = value as Record<string, unknown>
      for (const [key, field] of Object.entries(def.shape ?? {})) {
        const camel = toCamelKey(key)
        const v = convert(field, from[decode ? key : camel], decode)
        if (v !== undefined) out[decode ? camel : key] = v
      }
      return out
    }
    case 'array':
      return (value as unknown[]).map((v) => convert(def.element as z.ZodType, v, decode))
    case 'nullable':
    case 'optional':
      return convert(def.innerType as z.ZodType, value, decode)
    case 'record':
      return Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([k, v]) => [
          k,
          convert(def.valueType as z.ZodType, v, decode),
        ]),
      )
    default:
      return value
  }
}

export interface Codec<S extends z.ZodObject, T = Decoded<S>> {
  /** What the document is, for messages ('ingestion manifest'). */
  readonly what: string
  /** The stored JSON's schema: the one declaration of the format. */
  readonly schema: S
  /** What an operator does about a copy that does not parse. */
  readonly remedy: string
  /** Parses stored text; anything wrong (not JSON, wrong shape) is a DataError naming `key`. */
  parse(text: string, key: string): T
  /** The stored text: indented JSON, keys in the schema's order, a final newline. */
  serialise(value: T): string
}

/** A codec for a format declared by its stored JSON schema. */
export function defineCodec<S extends z.ZodObject>(
  what: string,
  schema: S,
  remedy: string,
): Codec<S, Decoded<S>> {
  return {
    what,
    schema,
    remedy,
    parse(text, key) {
      let json: unknown
      try {
        json = JSON.parse(text)
      } catch (cause) {
        throw parseError(what, key, remedy, 'it is not JSON', cause)
      }
      const result = schema.safeParse(json)
      if (!result.success) {
        const issue = result.error.issues[0]
        const where = issue?.path.length ? ` at ${issue.path.join('.')}` : ''
        throw parseError(
          what,
          key,
          remedy,
          `it does not fit its format${where}: ${issue?.message ?? 'invalid'}`,
          result.error,
        )
      }
      return convert(schema, result.data, true) as Decoded<S>
    },
    serialise(value) {
      return `${JSON.stringify(convert(schema, value, false), null, 1)}\n`
    },
  }
}

function parseError(what: string, key: string, remedy: string, problem: string, cause: unknown): DataError {
  return new DataError(`${what} ${key} does not parse (${problem}); ${remedy}`, { key }, { cause })
}
