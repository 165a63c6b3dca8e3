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
  readonly keyType?: z.ZodType
  readonly items?: readonly z.ZodType[]
  readonly rest?: z.ZodType | null
  readonly options?: readonly z.ZodType[]
  readonly entries?: Record<string, unknown>
  readonly values?: readonly unknown[]
  readonly checks?: readonly { readonly _zod: { readonly def: CheckDef } }[]
  readonly catchall?: z.ZodType
  readonly partial?: boolean
  readonly mode?: string
}

interface CheckDef {
  readonly check: string
  readonly format?: string
  readonly pattern?: RegExp
  readonly value?: unknown
  readonly inclusive?: boolean
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def
}

/** Whether decoding or encoding a value of `schema` leaves it as it is: no object (to rename) inside. */
const plainMemo = new WeakMap<z.ZodType, boolean>()
function isPlain(schema: z.ZodType): boolean {
  let plain = plainMemo.get(schema)
  if (plain === undefined) {
    const def = defOf(schema)
    switch (def.type) {
      case 'string':
      case 'number':
      case 'boolean':
      case 'literal':
      case 'enum':
      case 'null':
        plain = true
        break
      case 'nullable':
      case 'optional':
        plain = isPlain(def.innerType as z.ZodType)
        break
      case 'array':
        plain = isPlain(def.element as z.ZodType)
        break
      case 'tuple':
        // convert leaves a tuple as it is, whatever it holds.
        plain = true
        break
      case 'union':
        plain = (def.options ?? []).every(isPlain)
        break
      default:
        plain = false
    }
    plainMemo.set(schema, plain)
  }
  return plain
}

/**
 * Renames the object keys of `value` along `schema`: `decode` from stored (snake) to in-memory (camel),
 * else the other way. Only keys the schema declares are kept; record keys (tables, columns) are data.
 */
function convert(schema: z.ZodType, value: unknown, decode: boolean): unknown {
  if (value === null || value === undefined) return value
  const def = defOf(schema)
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
      // An array of values left as they are (a cursor's edge: tens of thousands of [key, stamp] pairs) is
      // shared, not copied: the codec's values are readonly, and a parsed array is the parser's own.
      if (isPlain(def.element as z.ZodType)) return value
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

/** What a fast decoder returns for a value it does not vouch for (the schema then decides). */
const UNSURE: unique symbol = Symbol('unsure')
type FastDecoder = (value: unknown) => unknown

/**
 * A decoder equivalent to the schema's check followed by `convert(…, decode)`, for the kinds of schema
 * the lake's formats use, written as plain loops: zod checks an array of tuples ~15× slower (a cursor's
 * edge of 40k keys: ~25–45 ms against ~3; Finding 13). It vouches only for values it can tell fit: it
 * returns UNSURE for anything else (a key the schema does not declare, any kind or check it does not
 * know), and zod then parses as ever, so a document it refuses is refused with zod's own message. It
 * never accepts what the schema refuses: `codec.property.test.ts` compares the two on random and broken
 * documents. Undefined when the schema holds a kind it does not know (the codec then always uses zod).
 */
function toFastDecoder(schema: z.ZodType): FastDecoder | undefined {
  const def = defOf(schema)
  const build = FAST_BUILDERS.get(def.type)
  return build?.(
    def,
    (def.checks ?? []).map((c) => c._zod.def),
  )
}

/** A fast decoder for one kind of schema, from its definition and checks; undefined when it cannot vouch. */
type FastBuilder = (def: Def, checks: readonly CheckDef[]) => FastDecoder | undefined

const FAST_BUILDERS: ReadonlyMap<string, FastBuilder> = new Map<string, FastBuilder>([
  ['string', fastString],
  ['number', fastNumber],
  [
    'boolean',
    (_, checks) => (checks.length === 0 ? (v) => (typeof v === 'boolean' ? v : UNSURE) : undefined),
  ],
  ['literal', fastLiteral],
  ['enum', fastEnum],
  ['unknown', (_, checks) => (checks.length === 0 ? (v) => v : undefined)],
  ['nullable', fastNullable],
  ['optional', fastOptional],
  ['array', fastArray],
  ['tuple', fastTuple],
  ['union', fastUnion],
  ['object', fastObject],
  ['record', fastRecord],
])

function fastString(_: Def, checks: readonly CheckDef[]): FastDecoder | undefined {
  if (
    !checks.every((c) => c.check === 'string_format' && c.format === 'regex' && c.pattern instanceof RegExp)
  )
    return undefined
  const patterns = checks.map((c) => c.pattern as RegExp)
  return (v) => {
    if (typeof v !== 'string') return UNSURE
    for (const p of patterns) {
      p.lastIndex = 0
      if (!p.test(v)) return UNSURE
    }
    return v
  }
}

function fastNumber(_: Def, checks: readonly CheckDef[]): FastDecoder | undefined {
  if (!checks.every((c) => c.check === 'number_format' || c.check === 'greater_than')) return undefined
  if (checks.some((c) => c.check === 'number_format' && c.format !== 'safeint')) return undefined
  const safeInt = checks.some((c) => c.check === 'number_format')
  const above = checks.filter((c) => c.check === 'greater_than')
  if (above.some((c) => typeof c.value !== 'number')) return undefined
  return (v) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) return UNSURE
    if (safeInt && !Number.isSafeInteger(v)) return UNSURE
    for (const c of above)
      if (c.inclusive ? !(v >= (c.value as number)) : !(v > (c.value as number))) return UNSURE
    return v
  }
}

function fastLiteral(def: Def, checks: readonly CheckDef[]): FastDecoder | undefined {
  const values: readonly unknown[] = def.values ?? []
  if (checks.length > 0 || !values.every((x) => typeof x === 'string' || typeof x === 'number'))
    return undefined
  return (v) => (values.some((x) => x === v) ? v : UNSURE)
}

function fastEnum(def: Def, checks: readonly CheckDef[]): FastDecoder | undefined {
  const values = new Set(Object.values(def.entries ?? {}))
  if (checks.length > 0 || ![...values].every((x) => typeof x === 'string')) return undefined
  return (v) => (typeof v === 'string' && values.has(v) ? v : UNSURE)
}

function fastNullable(def: Def, checks: readonly CheckDef[]): FastDecoder | undefined {
  const inner = toFastDecoder(def.innerType as z.ZodType)
  return inner && checks.length === 0 ? (v) => (v === null ? null : inner(v)) : undefined
}

function fastOptional(def: Def, checks: readonly CheckDef[]): FastDecoder | undefined {
  const inner = toFastDecoder(def.innerType as z.ZodType)
  return inner && checks.length === 0 ? (v) => (v === undefined ? undefined : inner(v)) : undefined
}

function fastArray(def: Def, checks: readonly CheckDef[]): FastDecoder | undefined {
  const element = toFastDecoder(def.element as z.ZodType)
  if (!element || checks.length > 0) return undefined
  const plain = isPlain(def.element as z.ZodType)
  return (v) => {
    if (!Array.isArray(v)) return UNSURE
    if (plain) {
      for (const x of v) if (element(x) === UNSURE) return UNSURE
      return v
    }
    const out: unknown[] = new Array(v.length)
    for (let i = 0; i < v.length; i++) {
      const x = element(v[i])
      if (x === UNSURE) return UNSURE
      out[i] = x
    }
    return out
  }
}

function fastTuple(def: Def, checks: readonly CheckDef[]): FastDecoder | undefined {
  const items = (def.items ?? []).map((item) =>
    defOf(item).type === 'optional' ? undefined : toFastDecoder(item),
  )
  if (def.rest || checks.length > 0 || items.some((d) => d === undefined)) return undefined
  const decoders = items as FastDecoder[]
  // convert leaves a tuple as it is: so does this (every item's value is its own when it fits).
  if (!(def.items ?? []).every(isPlain)) return undefined
  return (v) => {
    if (!Array.isArray(v) || v.length !== decoders.length) return UNSURE
    for (let i = 0; i < decoders.length; i++) if ((decoders[i] as FastDecoder)(v[i]) === UNSURE) return UNSURE
    return v
  }
}

function fastUnion(def: Def, checks: readonly CheckDef[]): FastDecoder | undefined {
  const options = (def.options ?? []).map(toFastDecoder)
  if (checks.length > 0 || options.some((d) => d === undefined) || !(def.options ?? []).every(isPlain))
    return undefined
  return (v) => {
    for (const option of options as FastDecoder[]) if (option(v) !== UNSURE) return v
    return UNSURE
  }
}

function fastObject(def: Def, checks: readonly CheckDef[]): FastDecoder | undefined {
  if (checks.length > 0 || def.catchall !== undefined) return undefined
  const fields: { key: string; camel: string; optional: boolean; decode: FastDecoder }[] = []
  for (const [key, field] of Object.entries(def.shape ?? {})) {
    const decode = toFastDecoder(field)
    if (!decode) return undefined
    fields.push({ key, camel: toCamelKey(key), optional: defOf(field).type === 'optional', decode })
  }
  const declared = new Set(fields.map((f) => f.key))
  return (v) => {
    if (!isJsonObject(v)) return UNSURE
    for (const key in v) if (!declared.has(key)) return UNSURE
    const out: Record<string, unknown> = {}
    for (const f of fields) {
      if (!Object.hasOwn(v, f.key)) {
        if (f.optional) continue
        return UNSURE
      }
      const x = f.decode(v[f.key])
      if (x === UNSURE) return UNSURE
      if (x !== undefined) out[f.camel] = x
    }
    return out
  }
}

function fastRecord(def: Def, checks: readonly CheckDef[]): FastDecoder | undefined {
  const keyDef = defOf(def.keyType as z.ZodType)
  const value = toFastDecoder(def.valueType as z.ZodType)
  if (!value || checks.length > 0 || def.mode === 'loose' || (keyDef.checks ?? []).length > 0)
    return undefined
  const keyValues = (def.keyType as unknown as { _zod: { values?: Set<unknown> } })._zod.values
  if (keyDef.type === 'enum' && keyValues && !def.partial) {
    const keys = [...keyValues]
    if (!keys.every((k) => typeof k === 'string' && k !== '__proto__')) return undefined
    return fastExhaustiveRecord(keys as string[], value)
  }
  if (keyDef.type !== 'string' && keyDef.type !== 'enum') return undefined
  const allowed = keyDef.type === 'enum' ? new Set(Object.values(keyDef.entries ?? {})) : undefined
  return fastOpenRecord(allowed, value)
}

/** Exhaustive: every key of the enum, no other; zod's output holds them in the enum's order. */
function fastExhaustiveRecord(keys: readonly string[], value: FastDecoder): FastDecoder {
  const known = new Set(keys)
  return (v) => {
    if (!isJsonObject(v)) return UNSURE
    let n = 0
    for (const key in v) {
      if (!known.has(key)) return UNSURE
      n++
    }
    if (n !== keys.length) return UNSURE
    const out: Record<string, unknown> = {}
    for (const key of keys) {
      const x = value(v[key])
      if (x === UNSURE) return UNSURE
      out[key] = x
    }
    return out
  }
}

/** Any string key (or, partial, one of the enum's: `allowed`), in the document's order. */
function fastOpenRecord(allowed: ReadonlySet<unknown> | undefined, value: FastDecoder): FastDecoder {
  return (v) => {
    if (!isJsonObject(v)) return UNSURE
    const out: Record<string, unknown> = {}
    for (const key in v) {
      if (key === '__proto__' || (allowed && !allowed.has(key))) return UNSURE
      const x = value(v[key])
      if (x === UNSURE) return UNSURE
      out[key] = x
    }
    return out
  }
}

/** An object as JSON.parse makes them: own enumerable string keys only, Object's prototype. */
function isJsonObject(v: unknown): v is Record<string, unknown> {
  return (
    typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype
  )
}

/**
 * The codec's two ways to decode parsed JSON: the fast decoder (null when none, or UNSURE), and zod's
 * check with convert. Exported for the property test that holds them equal.
 */
export function toDecoders(schema: z.ZodType): Decoders {
  let decoders = decodersMemo.get(schema)
  if (!decoders) {
    decoders = {
      fast: toFastDecoder(schema) ?? null,
      zod: (json) => {
        const result = schema.safeParse(json)
        return result.success
          ? { ok: true, value: convert(schema, result.data, true) }
          : { ok: false, error: result.error }
      },
    }
    decodersMemo.set(schema, decoders)
  }
  return decoders
}

interface Decoders {
  readonly fast: ((json: unknown) => unknown) | null
  readonly zod: (json: unknown) => { ok: true; value: unknown } | { ok: false; error: z.ZodError }
}

const decodersMemo = new WeakMap<z.ZodType, Decoders>()

/** The fast decoder's answer for a value it does not vouch for. */
export const FAST_UNSURE = UNSURE

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
  /** The JSON value the stored text prints (serialise without the printing). */
  toStored(value: T): unknown
}

/** A codec for a format declared by its stored JSON schema. */
export function defineCodec<S extends z.ZodObject>(
  what: string,
  schema: S,
  remedy: string,
): Codec<S, Decoded<S>> {
  const decoders = toDecoders(schema)
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
      const fast = decoders.fast?.(json) ?? UNSURE
      if (fast !== UNSURE) return fast as Decoded<S>
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
    toStored(value) {
      return convert(schema, value, false)
    },
  }
}

function parseError(what: string, key: string, remedy: string, problem: string, cause: unknown): DataError {
  return new DataError(`${what} ${key} does not parse (${problem}); ${remedy}`, { key }, { cause })
}
