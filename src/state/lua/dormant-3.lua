--[[
  Fires when a group key is seen again after a long silence.
  KEYS[1] sorted set of recent events: member = event id, score = event time (newest 16 kept)
  KEYS[2] throttle key
  KEYS[3] remembered decisions (includes/decisions.lua)
  ARGV[1] eventId, ARGV[2] timeMs, ARGV[3] afterMs, ARGV[4] ttlMs, ARGV[5] throttleMs, ARGV[6] alertId
  Returns { status, 1, recorded }: fires when the newest strictly earlier event is at least afterMs
  older; recorded is the key's newest event time now held, which the replica's quiet cache
  (quiet-cache.ts) learns from; for an event applied before, only the { status, 1 } it got then
  (its earlier events may be gone from the 16).
]]
-- @include common
-- @include decisions
local t = tonumber(ARGV[2])
local known, decided = recall(KEYS[3], ARGV[1], t, ARGV[4])
if known then return known end

local recorded -- the key's newest event time once decided (returned, not remembered)

local function decide()
  -- The key's state lives ttlMs of event time, as in the memory store: a key idle
  -- longer is forgotten (its next event is its first), whatever the wall clock has expired.
  local newest = redis.call('ZREVRANGE', KEYS[1], '0', '0', 'WITHSCORES')
  recorded = t
  if #newest > 0 then
    if t - tonumber(newest[2]) > number(ARGV[4]) then redis.call('UNLINK', KEYS[1]) else recorded = math.max(t, tonumber(newest[2])) end
  end
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
  local previous = redis.call('ZREVRANGEBYSCORE', KEYS[1], '(' .. ARGV[2], '-inf', 'WITHSCORES', 'LIMIT', '0', '1')
  redis.call('ZREMRANGEBYRANK', KEYS[1], '0', '-17')
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  if #previous == 0 or t - tonumber(previous[2]) < number(ARGV[3]) then return { 0, 0 } end
  return { throttle(KEYS[2], ARGV[6], t, number(ARGV[5])), 1 }
end

local reply = remember(KEYS[3], ARGV[1], t, ARGV[4], decided, decide())
return { reply[1], reply[2], recorded }
