--[[
  Decides an alert for detectors without state of their own (any, outside_hours).
  KEYS[1] throttle key
  KEYS[2] remembered decisions (includes/decisions.lua)
  ARGV[1] alertId, ARGV[2] timeMs, ARGV[3] throttleMs, ARGV[4] eventId, ARGV[5] ttlMs
  Returns { status, 1 } with status 1 fire, 2 throttled; for an event applied before,
  the reply it got then.
]]
-- @include common
-- @include decisions
local t = tonumber(ARGV[2])
local known, decided = recall(KEYS[2], ARGV[4], t, ARGV[5])
if known then return known end
return remember(KEYS[2], ARGV[4], t, ARGV[5], decided, { throttle(KEYS[1], ARGV[1], t, number(ARGV[3])), 1 })
