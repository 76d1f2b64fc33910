// Where a build's files live on the worker's disk.
import path from 'node:path';
import type { BerthConfig } from '../config/index.js';

export const buildsDir = (config: BerthConfig) => path.join(config.dataDir, 'builds');
export const buildTarPath = (config: BerthConfig, buildId: string) => path.join(buildsDir(config), `${buildId}.tar`);
export const buildWorkDir = (config: BerthConfig, buildId: string) => path.join(buildsDir(config), buildId);
