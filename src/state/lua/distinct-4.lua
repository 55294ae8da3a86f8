--[[
  Counts distinct values of a field per group key in a sliding window.
  KEYS[1] sorted set: member = value, score = newest event time with that value
  KEYS[2] hash: value -> id of that newest event (evidence)
  KEYS[3] throttle key
  KEYS[4] remembered decisions (includes/decisions.lua)
  ARGV[1] eventId, ARGV[2] timeMs, ARGV[3] value, ARGV[4] windowMs, ARGV[5] count,
  ARGV[6] ttlMs, ARGV[7] throttleMs, ARGV[8] alertId, ARGV[9] member cap
  Returns { status, n, v1, id1, v2, id2, ... } (values and evidence only when firing); for an
  event applied before, the reply it got then (later repeats may have moved its values since).
]]
-- @include common
-- @include decisions
local t, value, window, need = tonumber(ARGV[2]), ARGV[3], number(ARGV[4]), number(ARGV[5])
local known, decided = recall(KEYS[4], ARGV[1], t, ARGV[6])
if known then return known end

local function decide()
  local seen = redis.call('ZSCORE', KEYS[1], value)
  if (not seen) or t >= tonumber(seen) then
    redis.call('ZADD', KEYS[1], ARGV[2], value)
    redis.call('HSET', KEYS[2], value, ARGV[1])
  end
  local n, values = densest(KEYS[1], t, window)
  local before = t - 2 * window
  local cap = number(ARGV[9])
  local stale = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. int(before))
  local excess = redis.call('ZCARD', KEYS[1]) - #stale - cap
  if excess > 0 then
    for _, v in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], int(before), '+inf', 'LIMIT', '0', int(excess))) do table.insert(stale, v) end
  end
  if #stale > 0 then
    redis.call('ZREM', KEYS[1], unpack(stale))
    redis.call('HDEL', KEYS[2], unpack(stale))
  end
  redis.call('PEXPIRE', KEYS[1], ARGV[6])
  redis.call('PEXPIRE', KEYS[2], ARGV[6])
  if n < need then return { 0, n } end
  local status = throttle(KEYS[3], ARGV[8], t, number(ARGV[7]))
  if status ~= 1 then return { status, n } end
  local result = { 1, n }
  for _, v in ipairs(values) do
    table.insert(result, v)
    table.insert(result, redis.call('HGET', KEYS[2], v) or '')
  end
  return result
end

return remember(KEYS[4], ARGV[1], t, ARGV[6], decided, decide())
