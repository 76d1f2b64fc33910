// apps:create — also run implicitly by the first push of an unknown app.
import { parseAppName, type AppName } from '../../shared/app-name.js';
import { fail } from '../../shared/errors.js';
import { createApp } from '../../store/apps.js';
import type { OpsDeps } from '../deps.js';

export interface CreateAppInput { readonly name: unknown; readonly ifMissing?: boolean }

export async function appsCreate(input: CreateAppInput, deps: OpsDeps): Promise<{ app: AppName; created: boolean }> {
  const app = parseAppName(input.name);
  const created = await createApp(deps.redis, app);
  if (!created && !input.ifMissing) throw fail('app_exists', `the app "${app}" already exists`);
  return { app, created };
}
