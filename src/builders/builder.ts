// The Builder contract: the registry asks each builder in a fixed order
// whether it recognises the source tree; the first that does builds it.
import type { AppName } from '../shared/app-name.js';
import type { BuildLog } from '../shared/build-log.js';
import type { ProcessTypes } from '../shared/types.js';

export interface BuildInput {
  readonly app: AppName;
  readonly buildId: string;
  /** The pushed tree, extracted. */
  readonly sourceDir: string;
  /** The same tree as a tar (git archive), usable as a Docker build context. */
  readonly contextTar: string;
  readonly configVars: Readonly<Record<string, string>>;
  /** Tag to give the built image. */
  readonly imageTag: string;
  readonly labels: Record<string, string>;
  readonly log: BuildLog;
}

export interface BuildOutput {
  readonly image: string;
  readonly processTypes: ProcessTypes;
  /** Port the web process listens on, when the image says (single EXPOSE). */
  readonly port?: number;
  /** Of the build, the time spent making the slug image from the compiled app (buildpacks). */
  readonly slugMs?: number;
  /** What a failed boot should name as its likely cause (buildpacks' build-notes.ts). */
  readonly bootHints?: readonly string[];
}

export interface Builder {
  readonly name: string;
  detect(input: BuildInput): Promise<boolean>;
  build(input: BuildInput): Promise<BuildOutput>;
}
