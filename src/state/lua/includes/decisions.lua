-- Remembered decisions, one hash per rule and group key (inserted where a script
-- says `-- @include decisions`, after `common`). A decision once made is the
-- decision: an event applied again (a Kafka record re-delivered after a crash or
-- rebalance) gets the reply it got the first time, and changes no state. Fired
-- decisions and the others (quiet, throttled) are kept apart, each kind in two
-- generations: a full current generation becomes the previous one, and the
-- previous one is dropped. So a decision is remembered for at least `kept` later
-- decisions of its kind and at most 2 × `kept`, at three commands per decision
-- (read, write, expiry). Fields:
--   ''              (no decision id is empty) struct '<dBHBH': the newest event time applied (state idle
--                   longer than its ttl starts over), the other kind's current generation (0 or 1) and its
--                   count, the fired kind's generation and count; then the detector's own state, if it
--                   keeps it here (`meta.state`, a string: the baseline's), read and written with the counters
--   '<decision id>' (the event id; '<step>:<event id>' for a sequence) its kind and generation ('o0', 'o1',
--                   'f0', 'f1'), then the reply, msgpack
-- Binary numbers, not text: formatting and parsing decimals was a fifth of a script's cost.
local firedKept, otherKept = 256, 1024 -- keep in step with FIRED_DECISIONS_KEPT, OTHER_DECISIONS_KEPT in state-store.ts
local META = '<dBHBH'

-- recall(key, id, t, ttl) -> the remembered reply or nil, and the hash's counters and state (for remember).
local function recall(key, id, t, ttl)
  local got = redis.call('HMGET', key, '', id)
  if not got[1] then return nil, { t, 0, 0, 0, 0 } end
  local meta = { struct.unpack(META, got[1]) }
  -- struct.unpack's last value is where the counters end: the state, if any, follows.
  if #got[1] >= meta[6] then meta.state = string.sub(got[1], meta[6]) end
  meta[6] = nil
  if t - meta[1] > number(ttl) then
    redis.call('UNLINK', key)
    return nil, { t, 0, 0, 0, 0 }
  end
  if got[2] then return cmsgpack.unpack(string.sub(got[2], 3)), meta end
  return nil, meta
end

-- Drops every decision of one kind and generation (`tag`, e.g. 'o1').
local function dropGeneration(key, tag)
  local all, drop = redis.call('HGETALL', key), {}
  for i = 1, #all, 2 do
    if all[i] ~= '' and string.sub(all[i + 1], 1, 2) == tag then drop[#drop + 1] = all[i] end
  end
  for i = 1, #drop, 1000 do redis.call('HDEL', key, unpack(drop, i, math.min(i + 999, #drop))) end
end

-- remember(key, id, t, ttl, meta, reply) -> reply, remembered under id (`meta`: what recall() returned with nil,
-- its `state` as the detector left it).
local function remember(key, id, t, ttl, meta, reply)
  local kind, kept, g = 'o', otherKept, 2
  if reply[1] == 1 then kind, kept, g = 'f', firedKept, 4 end
  local full = meta[g + 1] >= kept
  if full then meta[g], meta[g + 1] = 1 - meta[g], 0 end
  local tag = kind .. (meta[g] == 0 and '0' or '1')
  if full then dropGeneration(key, tag) end
  meta[g + 1] = meta[g + 1] + 1
  if t > meta[1] then meta[1] = t end
  local counters = struct.pack(META, meta[1], meta[2], meta[3], meta[4], meta[5])
  redis.call('HSET', key, id, tag .. cmsgpack.pack(reply), '', counters .. (meta.state or ''))
  redis.call('PEXPIRE', key, ttl)
  return reply
end
