--[[
  Counts events per group key in a sliding window and fires at a threshold
  (the densest window containing the event, so out-of-order events count).
  KEYS[1] sorted set: member = event id, score = event time (idempotent per event id)
  KEYS[2] throttle key
  KEYS[3] remembered decisions (includes/decisions.lua)
  ARGV[1] eventId, ARGV[2] timeMs, ARGV[3] windowMs, ARGV[4] count, ARGV[5] ttlMs,
  ARGV[6] throttleMs, ARGV[7] alertId, ARGV[8] member cap
  Returns { status, n, evidence ids... }: status 0 quiet, 1 fire, 2 throttled; for an
  event applied before, the reply it got then.
]]
-- @include common
-- @include decisions
local t, window, need = tonumber(ARGV[2]), number(ARGV[3]), number(ARGV[4])
local known, decided = recall(KEYS[3], ARGV[1], t, ARGV[5])
if known then return known end

local function decide()
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
  local n, evidence = densest(KEYS[1], t, window)
  trim(KEYS[1], t - 2 * window, number(ARGV[8]))
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
  if n < need then return { 0, n } end
  local status = throttle(KEYS[2], ARGV[7], t, number(ARGV[6]))
  if status ~= 1 then return { status, n } end
  local result = { 1, n }
  for _, id in ipairs(evidence) do table.insert(result, id) end
  return result
end

return remember(KEYS[3], ARGV[1], t, ARGV[5], decided, decide())
