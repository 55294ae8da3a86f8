-- Shared by every detector script (inserted where a script says `-- @include common`, before `decisions`).
local ttlMargin = 3600000 -- keep in step with TTL_MARGIN_MS in state-store.ts
local maxEvidence = 20 -- keep in step with MAX_EVIDENCE in state-store.ts

-- A whole number as text for a command. Redis formats a Lua number argument with
-- "%.17g" and Lua a concatenated one with "%.14g", both far slower than "%d";
-- where the text is already in ARGV, scripts pass that.
local function int(x) return string.format('%d', x) end

-- A rule setting (window, count, ttl, …) as a number. Settings repeat in every
-- operation of a batch call, so each text is parsed once per call, not per use.
local parsed = {}
local function number(text)
  local n = parsed[text]
  if n == nil then
    n = tonumber(text)
    parsed[text] = n
  end
  return n
end

-- throttle(key, alertId, timeMs, throttleMs) -> 1 fire, 2 throttled
-- One alert per rule and group key per throttle period (event time). A
-- re-applied event normally gets its remembered decision (decisions.lua) and
-- never comes here; when that decision was forgotten, the same alert id still
-- passes, so the alert is re-emitted (the outbox drops the duplicate), not lost.
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
  redis.call('SET', key, alertId .. '|' .. int(timeMs), 'PX', int(throttleMs + ttlMargin))
  return 1
end

-- Newest members of a sorted set in [from, to], at most maxEvidence.
local function newest(key, from, to)
  return redis.call('ZREVRANGEBYSCORE', key, int(to), int(from), 'LIMIT', '0', int(maxEvidence))
end

-- Drops members older than `before`, then all but the newest `keep`.
local function trim(key, before, keep)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. int(before))
  redis.call('ZREMRANGEBYRANK', key, '0', int(-(keep + 1)))
end

-- The densest window of length `window` that contains time t: returns its count
-- and its members, newest first (at most maxEvidence). Events of one key can
-- arrive out of time order (partitions interleave); counting every window that
-- contains the event, not only the one ending at it, lets a late event complete
-- a burst. In time order it is the window ending at t.
local function densest(key, t, window)
  local flat = redis.call('ZRANGEBYSCORE', key, int(t - window), int(t + window), 'WITHSCORES')
  local members, scores = {}, {}
  for i = 1, #flat, 2 do
    members[#members + 1] = flat[i]
    scores[#scores + 1] = tonumber(flat[i + 1])
  end
  local best, bestFrom, bestTo, j = 0, 1, 0, 1
  for i = 1, #scores do
    if scores[i] > t then break end
    if j < i then j = i end
    while j <= #scores and scores[j] <= scores[i] + window do j = j + 1 end
    if j - i > best then best, bestFrom, bestTo = j - i, i, j - 1 end
  end
  local evidence = {}
  for k = bestTo, bestFrom, -1 do
    if #evidence >= maxEvidence then break end
    evidence[#evidence + 1] = members[k]
  end
  return best, evidence
end
