-- Remembered decisions, one hash per rule and group key (inserted where a script
-- says `-- @include decisions`). A decision once made is the decision: an event
-- applied again (a Kafka record re-delivered after a crash or rebalance) gets
-- the reply it got the first time, and changes no state. Fields:
--   'n'            newest event time applied (state idle longer than its ttl starts over, as in the memory store)
--   'd:<id>'       the reply for decision id <id> (the event id; '<step>:<event id>' for a sequence), msgpack
--   'f<i>', 'o<i>' the decision id in slot i of the ring of fired / other (quiet, throttled) decisions
--   'fc', 'oc'     how many decisions each ring has taken; a full ring reuses its oldest slot
local firedKept, otherKept = 256, 1024 -- keep in step with FIRED_DECISIONS_KEPT, OTHER_DECISIONS_KEPT in state-store.ts

-- recall(key, id, t, ttl) -> the remembered reply or nil, and the newest event time applied (or nil).
local function recall(key, id, t, ttl)
  local got = redis.call('HMGET', key, 'n', 'd:' .. id)
  if got[1] and t - tonumber(got[1]) > tonumber(ttl) then
    redis.call('UNLINK', key)
    return nil, nil
  end
  if got[2] then return cmsgpack.unpack(got[2]), got[1] end
  return nil, got[1]
end

-- remember(key, id, t, ttl, newest, reply) -> reply, remembered under id.
local function remember(key, id, t, ttl, newest, reply)
  local ring, kept = 'o', otherKept
  if reply[1] == 1 then ring, kept = 'f', firedKept end
  local slot = ring .. (redis.call('HINCRBY', key, ring .. 'c', 1) % kept)
  local dropped = redis.call('HGET', key, slot)
  if dropped then redis.call('HDEL', key, 'd:' .. dropped) end
  redis.call('HSET', key, slot, id, 'd:' .. id, cmsgpack.pack(reply), 'n', math.max(tonumber(newest or t), t))
  redis.call('PEXPIRE', key, ttl)
  return reply
end
