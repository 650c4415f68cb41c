import { createHash } from 'node:crypto';
import type { RedisClient } from './redis-client.js';

/** A Lua script run with EVALSHA (EVAL the first time a node has not seen it). */
export interface RedisScript {
  readonly lua: string;
  readonly sha: string;
}

function script(lua: string): RedisScript {
  return { lua, sha: createHash('sha1').update(lua).digest('hex') };
}

/** Runs `script` on the node that owns `keys` (all in one slot). */
export async function runScript(
  client: RedisClient,
  { lua, sha }: RedisScript,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  try {
    return await client.evalsha(sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.includes('NOSCRIPT')) throw error;
    return client.eval(lua, keys.length, ...keys, ...args);
  }
}

// Time in scripts is the Redis server's (TIME), so every app server judges a window by one
// clock; a caller may pass its own clock instead (ARGV 'now', empty for the server's).
const serverTime = `
local now = tonumber(ARGV[3])
if now == nil then
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end`;

/**
 * Sliding-window check (and record) on a sorted set of admitted call times.
 * KEYS: window. ARGV: limit, windowMs, now|'', member, record ('1' check, '0' peek).
 * Returns { allowed, count, retryAfterMs, resetMs }.
 */
export const rateLimitScript = script(`
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
${serverTime}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
local allowed = count < limit
if allowed and ARGV[5] == '1' then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], math.ceil(window))
  count = count + 1
end
local retry = 0
if not allowed then
  local blocking = redis.call('ZRANGE', KEYS[1], count - limit, count - limit, 'WITHSCORES')
  retry = math.max(0, tonumber(blocking[2]) + window - now)
end
local reset = 0
if count > 0 then
  local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  reset = math.max(0, tonumber(newest[2]) + window - now)
end
return { allowed and 1 or 0, count, retry, reset }
`);

/**
 * Adds tokens; the increment that creates the counter starts its window.
 * KEYS: counter. ARGV: tokens, windowMs|''. Returns { used, pttl }.
 */
export const budgetIncrementScript = script(`
local existed = redis.call('EXISTS', KEYS[1])
local used = redis.call('INCRBY', KEYS[1], ARGV[1])
if existed == 0 and ARGV[2] ~= '' then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return { used, redis.call('PTTL', KEYS[1]) }
`);

/** Reads a counter and its remaining window. KEYS: counter. Returns { used|false, pttl }. */
export const budgetGetScript = script(`
return { redis.call('GET', KEYS[1]), redis.call('PTTL', KEYS[1]) }
`);

/**
 * Stores a grouped entry as '<version>:<json>' if the group's version still equals the
 * expected one, and keeps the version alive at least as long as the entry (or it could expire,
 * restart at 0 and make an old entry current again).
 * KEYS: entry, version. ARGV: json, expected version|'', ttlMs|'' (none). Returns 1 stored, 0 not.
 */
export const cacheSetScript = script(`
local current = tonumber(redis.call('GET', KEYS[2]) or '0')
if ARGV[2] ~= '' and tonumber(ARGV[2]) ~= current then return 0 end
local ttl = tonumber(ARGV[3])
if ttl then
  redis.call('SET', KEYS[1], current .. ':' .. ARGV[1], 'PX', ttl)
else
  redis.call('SET', KEYS[1], current .. ':' .. ARGV[1])
end
local held = redis.call('PTTL', KEYS[2])
if held == -2 then
  if ttl then redis.call('SET', KEYS[2], current, 'PX', ttl) else redis.call('SET', KEYS[2], current) end
elseif held >= 0 then
  if not ttl then redis.call('PERSIST', KEYS[2]) elseif held < ttl then redis.call('PEXPIRE', KEYS[2], ttl) end
end
return 1
`);

/**
 * Moves a group's version on, holding it for at least versionTtlMs (a new version, or one
 * that would expire sooner); a version kept forever by an entry without TTL stays so.
 * KEYS: version. ARGV: versionTtlMs. Returns the new version.
 */
export const cacheInvalidateScript = script(`
local existed = redis.call('EXISTS', KEYS[1])
local version = redis.call('INCR', KEYS[1])
local held = redis.call('PTTL', KEYS[1])
local hold = tonumber(ARGV[1])
if existed == 0 or (held >= 0 and held < hold) then redis.call('PEXPIRE', KEYS[1], hold) end
return version
`);
