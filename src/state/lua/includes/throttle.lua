-- Shared by every detector script (inserted where a script says `-- @include throttle`).
local ttlMargin = 3600000 -- keep in step with TTL_MARGIN_MS in state-store.ts
local maxEvidence = 20 -- keep in step with MAX_EVIDENCE in state-store.ts

-- throttle(key, alertId, timeMs, throttleMs) -> 1 fire, 2 throttled
-- One alert per rule and group key per throttle period (event time). The same
-- alert id always passes, so re-processing an event re-emits the same alert
-- (the outbox drops the duplicate) instead of losing it.
local function throttle(key, alertId, timeMs, throttleMs)
  if throttleMs <= 0 then return 1 end
  local mark = redis.call('GET', key)
  if mark then
    local sep = string.find(mark, '|[^|]*$')
    local markId = string.sub(mark, 1, sep - 1)
    local markMs = tonumber(string.sub(mark, sep + 1))
    if markId == alertId then return 1 end
    if math.abs(timeMs - markMs) < throttleMs then return 2 end
    if timeMs < markMs then return 1 end
  end
  redis.call('SET', key, alertId .. '|' .. timeMs, 'PX', throttleMs + ttlMargin)
  return 1
end

-- Newest members of a sorted set in [from, to], at most maxEvidence.
local function newest(key, from, to)
  return redis.call('ZREVRANGEBYSCORE', key, to, from, 'LIMIT', 0, maxEvidence)
end

-- Drops members older than `before`, then all but the newest `keep`.
local function trim(key, before, keep)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. before)
  redis.call('ZREMRANGEBYRANK', key, 0, -(keep + 1))
end
