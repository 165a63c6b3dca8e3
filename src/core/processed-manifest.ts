/**
 * The old home of the processed manifest; the format is declared in core/manifests/processed.ts. These
 * names stay for the callers not moved yet (load, service, verify): new code uses the codec directly.
 */
import { PROCESSED_MANIFEST, type ProcessedManifest } from './manifests/processed.ts'

export {
  PROCESSED_FORMAT,
  type ProcessedManifest,
  type ProcessedTableEntry,
} from './manifests/processed.ts'

/** Parses a processed manifest read from the store; a DataError names what is wrong. */
export function parseProcessedManifest(text: string, key = 'processed manifest'): ProcessedManifest {
  return PROCESSED_MANIFEST.parse(text, key)
}

/** The manifest as the JSON text stored. */
export function toProcessedManifestJson(m: ProcessedManifest): string {
  return PROCESSED_MANIFEST.serialise(m)
}
