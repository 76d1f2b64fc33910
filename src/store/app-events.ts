// "Something about this app changed" (a build moved on, a release went live,
// the app was stopped or started), published so the dashboard's live views
// refresh at once instead of polling. The message is the app's name.
import type { Redis } from 'ioredis';
import type { RedisHandle } from './redis.js';
import { routesChannel } from './routes.js';

export const appsChannel = (r: RedisHandle) => r.key('apps', 'changed');

export function publishAppChange(r: RedisHandle, multi: ReturnType<Redis['multi']>, app: string) {
  return multi.publish(appsChannel(r), app);
}

/** Calls `onChange(app)` on app changes and on route changes (the route message is the app name). */
export async function watchAppChanges(r: RedisHandle, onChange: (app: string) => void): Promise<Redis> {
  const sub = r.duplicate();
  sub.on('message', (_channel: string, message: string) => { if (!message.startsWith(':')) onChange(message); });
  await sub.subscribe(appsChannel(r), routesChannel(r));
  return sub;
}
