--[[
  First-seen values per group key, with a learning period and forgetting.
  KEYS[1] hash: 's' -> time the group key was first seen; 'n' -> newest event time seen;
                'v:<value>' -> '<id of the event that introduced it>|<its time>|<newest time seen>'
  KEYS[2] throttle key
  KEYS[3] remembered decisions (includes/decisions.lua)
  ARGV[1] eventId, ARGV[2] timeMs, ARGV[3] value, ARGV[4] learningMs, ARGV[5] forgetMs,
  ARGV[6] ttlMs, ARGV[7] throttleMs, ARGV[8] alertId, ARGV[9] values kept, ARGV[10] values dropped at once
  (NEW_VALUES_KEPT, NEW_VALUES_DROPPED in keys.ts: beyond the cap, the values least recently seen go)
  Returns { status, 1, recorded }: 0 quiet (known value, or still learning), 1 fire, 2 throttled, and
  the newest time the value is now recorded at (absent if the cap dropped it at once), which the
  replica's quiet cache (quiet-cache.ts) learns from; for an event applied before, only the
  { status, 1 } it got then (an older event may have become the value's first since).
]]
-- @include common
-- @include decisions
local id, t = ARGV[1], tonumber(ARGV[2])
local known, decided = recall(KEYS[3], id, t, ARGV[6])
if known then return known end

-- Drops the values least recently seen: every one seen no later than the dropped-th oldest.
-- Ties go together, so no order of strings is needed (Lua's and JavaScript's differ).
local function dropLeastRecent(dropped)
  local fields = redis.call('HGETALL', KEYS[1])
  local lasts = {}
  for i = 1, #fields, 2 do
    if string.sub(fields[i], 1, 2) == 'v:' then lasts[#lasts + 1] = tonumber(string.match(fields[i + 1], '|([^|]*)$')) end
  end
  table.sort(lasts)
  local cutoff = lasts[dropped]
  local drop = {}
  for i = 1, #fields, 2 do
    if string.sub(fields[i], 1, 2) == 'v:' and tonumber(string.match(fields[i + 1], '|([^|]*)$')) <= cutoff then drop[#drop + 1] = fields[i] end
  end
  redis.call('HDEL', KEYS[1], unpack(drop))
end

local recorded -- the value's newest time once decided (returned, not remembered)

local function decide()
  local learning, forget = number(ARGV[4]), number(ARGV[5])
  local state = redis.call('HMGET', KEYS[1], 's', 'n')
  local since, newest = tonumber(state[1] or t), tonumber(state[2] or t)
  -- The key's state lives ttlMs of event time, as in the memory store: a key idle
  -- longer starts over (learning again), whatever the wall clock has expired.
  if t - newest > number(ARGV[6]) then
    redis.call('UNLINK', KEYS[1])
    since, newest = t, t
  end
  if t < since then since = t end
  redis.call('HSET', KEYS[1], 's', int(since), 'n', int(math.max(newest, t)))
  local field = 'v:' .. ARGV[3]
  local record = redis.call('HGET', KEYS[1], field)
  local isNew = false
  if not record then
    redis.call('HSET', KEYS[1], field, id .. '|' .. ARGV[2] .. '|' .. ARGV[2])
    -- Every field but 's' and 'n' is a value.
    recorded = t
    if redis.call('HLEN', KEYS[1]) - 2 > number(ARGV[9]) then
      dropLeastRecent(number(ARGV[10]))
      if redis.call('HEXISTS', KEYS[1], field) == 0 then recorded = nil end
    end
    isNew = true
  else
    local firstId, first, last = string.match(record, '^(.*)|([^|]*)|([^|]*)$')
    first, last = tonumber(first), tonumber(last)
    if firstId == id then
      isNew = true
      recorded = last
    elseif t - last > forget then
      redis.call('HSET', KEYS[1], field, id .. '|' .. ARGV[2] .. '|' .. ARGV[2])
      isNew = true
      recorded = t
    else
      if t < first then firstId, first = id, t end
      recorded = math.max(last, t)
      redis.call('HSET', KEYS[1], field, firstId .. '|' .. int(first) .. '|' .. int(recorded))
    end
  end
  redis.call('PEXPIRE', KEYS[1], ARGV[6])
  if (not isNew) or t - since < learning then return { 0, 0 } end
  return { throttle(KEYS[2], ARGV[8], t, number(ARGV[7])), 1 }
end

local reply = remember(KEYS[3], id, t, ARGV[6], decided, decide())
return { reply[1], reply[2], recorded }
