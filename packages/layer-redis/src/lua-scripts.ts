// The Lua the layer runs. Each keeps channels_redis' data layout (sorted sets scored by float
// seconds, `EXPIRE` after every write) so Python processes read and write the same keys.

/** msgpack str/array headers, for building `__asgi_channel__` lists inside Redis. */
const MSGPACK_HELPERS = `
local function be(n, bytes)
  local out = {}
  for i = bytes, 1, -1 do out[i] = string.char(n % 256); n = math.floor(n / 256) end
  return table.concat(out)
end
local function str_header(n)
  if n < 32 then return string.char(160 + n) end
  if n < 256 then return string.char(217, n) end
  if n < 65536 then return string.char(218) .. be(n, 2) end
  return string.char(219) .. be(n, 4)
end
local function array_header(n)
  if n < 16 then return string.char(144 + n) end
  if n < 65536 then return string.char(220) .. be(n, 2) end
  return string.char(221) .. be(n, 4)
end
`;

/**
 * send: trim expired, refuse at capacity, add, refresh the TTL. Python runs the same four commands
 * one round trip each. KEYS[1] channel key; ARGV member, score, trim cutoff, capacity, expiry ms.
 * Returns 1 when stored, 0 when full.
 */
export const SEND = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
`;

/**
 * groupSend in one round trip (one shard, no encryption, one capacity): trims the group, reads its
 * members, writes one member per channel key with the list of that key's channels appended as
 * msgpack `__asgi_channel__`, exactly the bytes Python's group_send stores.
 * KEYS[1] group key; ARGV group cutoff, key prefix, score, channel cutoff, expiry ms, capacity,
 * member head (random prefix + map header), packed map entries. Returns the channels it dropped.
 */
export const GROUP_SEND_ONE_TRIP = `${MSGPACK_HELPERS}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local members = redis.call('ZRANGE', KEYS[1], 0, -1)
local order, buckets = {}, {}
for _, name in ipairs(members) do
  local bang = string.find(name, '!', 1, true)
  local key = ARGV[2] .. (bang and string.sub(name, 1, bang) or name)
  local bucket = buckets[key]
  if not bucket then bucket = {}; buckets[key] = bucket; order[#order + 1] = key end
  bucket[#bucket + 1] = name
end
local capacity = tonumber(ARGV[6])
local own = ARGV[9]
local dropped, locals = {}, {}
for _, key in ipairs(order) do
  local names = buckets[key]
  if string.sub(key, -#own) == own then
    -- The sender's own process-local channels: it delivers them itself, without a store and a pop.
    for _, name in ipairs(names) do locals[#locals + 1] = name end
  else
  redis.call('ZREMRANGEBYSCORE', key, '-inf', ARGV[4])
  if redis.call('ZCARD', key) < capacity then
    local parts = { ARGV[7], ARGV[8], '\\176__asgi_channel__', array_header(#names) }
    for _, name in ipairs(names) do parts[#parts + 1] = str_header(#name); parts[#parts + 1] = name end
    redis.call('ZADD', key, ARGV[3], table.concat(parts))
    redis.call('PEXPIRE', key, ARGV[5])
  else
    for _, name in ipairs(names) do dropped[#dropped + 1] = name end
  end
  end
end
return { dropped, locals }
`;

/** The members of a group after trimming expired ones. KEYS[1] group key; ARGV[1] cutoff. */
export const GROUP_MEMBERS = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
return redis.call('ZRANGE', KEYS[1], 0, -1)
`;

/**
 * groupSend's writes on one shard, with messages serialised by the caller (Python's group_send Lua
 * plus its expiry trims). KEYS channel keys; ARGV msg_1..msg_K, cap_1..cap_K, score, cutoff,
 * expiry ms. Returns the 1-based indexes of the keys that were full.
 */
export const GROUP_WRITE = `
local n = #KEYS
local score, cutoff, expiry = ARGV[2 * n + 1], ARGV[2 * n + 2], ARGV[2 * n + 3]
local full = {}
for i = 1, n do
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', cutoff)
  if redis.call('ZCARD', KEYS[i]) < tonumber(ARGV[n + i]) then
    redis.call('ZADD', KEYS[i], score, ARGV[i])
    redis.call('PEXPIRE', KEYS[i], expiry)
  else
    full[#full + 1] = i
  end
end
return full
`;

/** groupAdd: ZADD + EXPIRE in one trip. KEYS[1] group key; ARGV score, channel, group expiry ms. */
export const GROUP_ADD = `
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`;

/**
 * The non-blocking half of a receive: pops up to ARGV[i] members of KEYS[i], for every key.
 * Returns a flat list of key index, member, score triples.
 */
export const POP_BATCH = `
local out = {}
for i = 1, #KEYS do
  local got = redis.call('ZPOPMIN', KEYS[i], ARGV[i])
  for j = 1, #got, 2 do
    out[#out + 1] = i; out[#out + 1] = got[j]; out[#out + 1] = got[j + 1]
  end
end
return out
`;

/**
 * Puts back a message popped for a receiver that was aborted meanwhile, with its original score
 * so it keeps its place. KEYS[1] channel key; ARGV score, member, expiry ms.
 */
export const PUT_BACK = `
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return 1
`;

/** Wakes our own blocked BZPOPMIN so it picks up newly wanted keys. KEYS[1] wake key. */
export const WAKE = `
redis.call('ZADD', KEYS[1], 0, 'wake')
redis.call('PEXPIRE', KEYS[1], 10000)
return 1
`;

/** flush, verbatim from channels_redis: deletes every key that starts with the prefix. ARGV[1] pattern. */
export const FLUSH = `
local keys = redis.call('keys', ARGV[1])
for i=1,#keys,5000 do
  redis.call('del', unpack(keys, i, math.min(i+4999, #keys)))
end
return #keys
`;
