/**
 * The old home of the ingestion manifest; the format is declared in core/manifests/ingestion.ts. These
 * names stay for the callers not moved yet (extract, service, lambda): new code uses the codec directly.
 */
import { INGESTION_MANIFEST, type IngestionManifest } from './manifests/ingestion.ts'

export {
  INGESTION_FORMAT,
  type IngestionManifest,
  type IngestionTableEntry,
  naiveTimestampJson,
  type ObservedColumn,
  OFF_AXIS_STAMP,
  observedColumnJson,
  type TableCursor,
} from './manifests/ingestion.ts'

/** Parses a manifest read from the store; a DataError names what is wrong. */
export function parseIngestionManifest(text: string, key = 'ingestion manifest'): IngestionManifest {
  return INGESTION_MANIFEST.parse(text, key)
}

/** The manifest as the JSON text stored. */
export function toIngestionManifestJson(m: IngestionManifest): string {
  return INGESTION_MANIFEST.serialise(m)
}
