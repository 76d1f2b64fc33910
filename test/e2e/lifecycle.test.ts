// Day-two operations through the API on the local Docker engine (lifecycle-suite.ts).
import { describeLifecycle } from './lifecycle-suite.js';
import { localEngine } from '../helpers/app-engine.js';

describeLifecycle('app lifecycle through the API', localEngine);
