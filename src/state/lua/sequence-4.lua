--[[
  Event A then event B for the same group key within a window.
  KEYS[1] sorted set of A events: member = event id, score = event time
  KEYS[2] sorted set of B events (so an A that arrives after its B still completes the sequence)
  KEYS[3] throttle key
  KEYS[4] remembered decisions (includes/decisions.lua), one per step and event ('<step>:<event id>')
  ARGV[1] step ('first' = an A event, 'then' = a B event), ARGV[2] eventId, ARGV[3] timeMs,
  ARGV[4] windowMs, ARGV[5] count of A events needed, ARGV[6] ttlMs, ARGV[7] throttleMs,
  ARGV[8] alertId, ARGV[9] member cap
  Returns { status, n, evidence... }: the B event first, then A events newest first; for an
  event applied before (same step), the reply it got then.
]]
-- @include common
-- @include decisions
local id, t, window, need = ARGV[2], tonumber(ARGV[3]), number(ARGV[4]), number(ARGV[5])
local decision = ARGV[1] .. ':' .. id
local known, decided = recall(KEYS[4], decision, t, ARGV[6])
if known then return known end

local function decide()
  local cap = number(ARGV[9])
  local b
  if ARGV[1] == 'first' then
    redis.call('ZADD', KEYS[1], ARGV[3], id)
    trim(KEYS[1], t - 2 * window, cap)
    redis.call('PEXPIRE', KEYS[1], ARGV[6])
    -- A late A: is there already a B after it that now has enough A events before it?
    local laters = redis.call('ZRANGEBYSCORE', KEYS[2], ARGV[3], int(t + window), 'WITHSCORES', 'LIMIT', '0', '10')
    for i = 2, #laters, 2 do
      local tb = tonumber(laters[i])
      if redis.call('ZCOUNT', KEYS[1], int(tb - window), laters[i]) >= need then
        b = tb
        break
      end
    end
    if b == nil then return { 0, 0 } end
  else
    redis.call('ZADD', KEYS[2], ARGV[3], id)
    trim(KEYS[2], t - 2 * window, cap)
    redis.call('PEXPIRE', KEYS[2], ARGV[6])
    b = t
  end
  local n = redis.call('ZCOUNT', KEYS[1], int(b - window), int(b))
  if n < need then return { 0, n } end
  local status = throttle(KEYS[3], ARGV[8], t, number(ARGV[7]))
  if status ~= 1 then return { status, n } end
  local result = { 1, n, id }
  for _, a in ipairs(newest(KEYS[1], b - window, b)) do
    if #result < maxEvidence + 2 and a ~= id then table.insert(result, a) end
  end
  return result
end

return remember(KEYS[4], decision, t, ARGV[6], decided, decide())
