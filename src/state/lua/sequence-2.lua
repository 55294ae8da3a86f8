--[[
  Event A then event B for the same group key within a window.
  KEYS[1] sorted set of A events: member = event id, score = event time
  KEYS[2] throttle key
  ARGV[1] step ('first' = an A event, 'then' = a B event), ARGV[2] eventId, ARGV[3] timeMs,
  ARGV[4] windowMs, ARGV[5] count of A events needed, ARGV[6] ttlMs, ARGV[7] throttleMs,
  ARGV[8] alertId, ARGV[9] member cap
  Returns { status, n, evidence... }: the B event first, then A events newest first.
]]
-- @include throttle
local id, t, window, need = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
if ARGV[1] == 'first' then
  redis.call('ZADD', KEYS[1], t, id)
  trim(KEYS[1], t - 2 * window, tonumber(ARGV[9]))
  redis.call('PEXPIRE', KEYS[1], ARGV[6])
  return { 0, 0 }
end
local n = redis.call('ZCOUNT', KEYS[1], t - window, t)
if n < need then return { 0, n } end
local status = throttle(KEYS[2], ARGV[8], t, tonumber(ARGV[7]))
if status ~= 1 then return { status, n } end
local result = { 1, n, id }
for _, a in ipairs(newest(KEYS[1], t - window, t)) do
  if #result < maxEvidence + 2 then table.insert(result, a) end
end
return result
