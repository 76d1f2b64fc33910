// The standby of an app's route (RouteEntry.standby), set and cleared on its
// own: the scheduler sets it when a watched release goes live and clears it
// when the watch ends, without touching the live upstreams that the
// supervisors keep writing meanwhile.
import type { RedisHandle } from './redis.js';
import { routesChannel, routesKey, standbyField } from './routes.js';

const SET_STANDBY_IF_PRESENT = `if redis.call('hexists', KEYS[1], ARGV[1]) == 0 then return 0 end
if ARGV[3] == '' then redis.call('hdel', KEYS[1], ARGV[2]) else redis.call('hset', KEYS[1], ARGV[2], ARGV[3]) end
redis.call('publish', KEYS[2], ARGV[1])
return 1`;

/** Sets (or, with an empty list, removes) only the app's standby upstreams, if it has a route. */
export async function setStandby(r: RedisHandle, app: string, upstreams: readonly string[]): Promise<boolean> {
  const standby = upstreams.length ? JSON.stringify(upstreams) : '';
  return (await r.client.eval(SET_STANDBY_IF_PRESENT, 2, routesKey(r), routesChannel(r), app, standbyField(app), standby)) === 1;
}

const CLEAR_STANDBY_IF = `if redis.call('hget', KEYS[1], ARGV[2]) ~= ARGV[3] then return 0 end
redis.call('hdel', KEYS[1], ARGV[2])
redis.call('publish', KEYS[2], ARGV[1])
return 1`;

/** Removes the app's standby if it is still `upstreams` (a newer deploy may have set its own). */
export async function clearStandby(r: RedisHandle, app: string, upstreams: readonly string[]): Promise<boolean> {
  return (await r.client.eval(CLEAR_STANDBY_IF, 2, routesKey(r), routesChannel(r), app, standbyField(app), JSON.stringify(upstreams))) === 1;
}
