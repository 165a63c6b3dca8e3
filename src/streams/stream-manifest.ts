/**
 * The old home of the stream manifests; the formats are declared in core/manifests/stream.ts. These
 * names stay for the callers not moved yet (datasets, fx, load): new code uses the codecs directly.
 */
import {
  STREAM_INGESTION_MANIFEST,
  STREAM_PROCESSED_MANIFEST,
  type StreamIngestionManifest,
  type StreamProcessedManifest,
} from '../core/manifests/stream.ts'

export {
  STREAM_INGESTION_FORMAT,
  STREAM_PROCESSED_FORMAT,
  type StreamFile,
  type StreamIngestionManifest,
  type StreamProcessedManifest,
  type StreamTableEntry,
} from '../core/manifests/stream.ts'

/** Parses a stream's ingestion manifest; a DataError names what is wrong. */
export function parseStreamIngestionManifest(
  text: string,
  key = 'stream ingestion manifest',
): StreamIngestionManifest {
  return STREAM_INGESTION_MANIFEST.parse(text, key)
}

/** The ingestion manifest as stored. */
export function toStreamIngestionManifestJson(m: StreamIngestionManifest): string {
  return STREAM_INGESTION_MANIFEST.serialise(m)
}

/** Parses a stream's processed manifest; a DataError names what is wrong. */
export function parseStreamProcessedManifest(
  text: string,
  key = 'stream processed manifest',
): StreamProcessedManifest {
  return STREAM_PROCESSED_MANIFEST.parse(text, key)
}

/** The processed manifest as stored. */
export function toStreamProcessedManifestJson(m: StreamProcessedManifest): string {
  return STREAM_PROCESSED_MANIFEST.serialise(m)
}
