--[[
  Decides an alert for detectors without state of their own (any, outside_hours).
  KEYS[1] throttle key
  ARGV[1] alertId, ARGV[2] timeMs, ARGV[3] throttleMs
  Returns { status } with status 1 fire, 2 throttled.
]]
-- @include throttle
return { throttle(KEYS[1], ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])), 1 }
