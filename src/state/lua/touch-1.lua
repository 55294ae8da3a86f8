--[[
  Records the newest wall-clock time audit events arrived (silence detector).
  KEYS[1] string key
  ARGV[1] nowMs, ARGV[2] ttlMs (LAST_EVENT_TTL_MS in redis-store.ts)
  Returns the stored time (never moves backwards, whichever replica writes).
]]
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local now = tonumber(ARGV[1])
if now > current then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return now
end
return current
