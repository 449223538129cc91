/** Evidence: the proof protocol, the evidence directory and its media. */
export { prove, type ProveInput } from './proof.ts';
export {
  evidenceDirFor,
  finalizeManifest,
  readManifest,
  writeManifest,
  type ArtifactKind,
  type EvidenceArtifact,
  type EvidenceManifest,
} from './manifest.ts';
export { makeGif, probeVideo, type GifResult, type VideoInfo } from './media.ts';
export { screenshotRoutes, type RouteShot } from './routes.ts';
export { registerEnvSecrets } from './secrets.ts';
