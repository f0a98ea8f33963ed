/**
 * Makes sure an image is present: already there, or imported / loaded / built from local files,
 * or pulled where a registry is reachable. Local sources come first: most hosts here have no registry.
 */
import { isAbsolute, resolve } from 'node:path';
import type { ContainerSpec } from '../workload.js';
import type { DockerApiLike } from './docker-api.js';
import { imageMissing } from './errors.js';

/** `repo[:tag]` → [repo, tag]; a port in the registry host is not a tag. */
export function splitImageRef(ref: string): [repo: string, tag: string] {
  const at = ref.indexOf('@');
  if (at >= 0) return [ref.slice(0, at), ref.slice(at + 1)];
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) return [ref.slice(0, colon), ref.slice(colon + 1)];
  return [ref, 'latest'];
}

export interface EnsureImageOptions {
  sourceDir?: string;
  importIgnoresTag: boolean;
}

function localPath(path: string, sourceDir: string | undefined): string {
  return isAbsolute(path) || !sourceDir ? path : resolve(sourceDir, path);
}

export async function ensureImage(api: DockerApiLike, spec: ContainerSpec, options: EnsureImageOptions): Promise<void> {
  if (await api.imageExists(spec.image)) return;
  const source = spec.imageSource ?? {};
  const [repo, tag] = splitImageRef(spec.image);
  try {
    if (source.importTar) {
      await api.importImage(localPath(source.importTar, options.sourceDir), repo, tag);
      // Podman's compat import names the image repo:latest whatever tag we ask for.
      if (options.importIgnoresTag && tag !== 'latest' && !(await api.imageExists(spec.image))) {
        await api.tagImage(`${repo}:latest`, repo, tag);
      }
    } else if (source.loadTar) {
      await api.loadImage(localPath(source.loadTar, options.sourceDir));
    } else if (source.buildContext) {
      await api.buildImage(localPath(source.buildContext, options.sourceDir), spec.image);
    } else if (source.pull !== false) {
      await api.pullImage(spec.image);
    }
  } catch (error) {
    throw imageMissing(spec.image, error);
  }
  if (!(await api.imageExists(spec.image))) throw imageMissing(spec.image);
}
