-- Remembered decisions, one hash per rule and group key (inserted where a script
-- says `-- @include decisions`). A decision once made is the decision: an event
-- applied again (a Kafka record re-delivered after a crash or rebalance) gets
-- the reply it got the first time, and changes no state. Fired decisions and the
-- others (quiet, throttled) are kept apart, each in two generations: a full
-- current generation becomes the previous one, and the previous one is dropped.
-- So a decision is remembered for at least `kept` later decisions of its kind and
-- at most 2 × `kept`, at three commands per decision (read, write, expiry). Fields:
--   'm'            msgpack { newest event time applied, the other ring's generation (0 or 1) and count in it,
--                  the fired ring's generation and count }; state idle longer than its ttl starts over
--   '<r><g>:<id>'  the reply for decision id <id> (the event id; '<step>:<event id>' for a sequence), msgpack,
--                  in ring r ('o' other, 'f' fired) and generation g
-- Numbers travel as msgpack, not text: formatting and parsing decimals is most of a script's cost.
local firedKept, otherKept = 256, 1024 -- keep in step with FIRED_DECISIONS_KEPT, OTHER_DECISIONS_KEPT in state-store.ts

-- recall(key, id, t, ttl) -> the remembered reply or nil, and the hash's meta (for remember).
local function recall(key, id, t, ttl)
  local got = redis.call('HMGET', key, 'm', 'o0:' .. id, 'o1:' .. id, 'f0:' .. id, 'f1:' .. id)
  if not got[1] then return nil, { t, 0, 0, 0, 0 } end
  local meta = cmsgpack.unpack(got[1])
  if t - meta[1] > number(ttl) then
    redis.call('UNLINK', key)
    return nil, { t, 0, 0, 0, 0 }
  end
  local packed = got[2] or got[3] or got[4] or got[5]
  if packed then return cmsgpack.unpack(packed), meta end
  return nil, meta
end

-- Drops every field of one generation of a ring (fields starting with `prefix`).
local function dropGeneration(key, prefix)
  local drop = {}
  for _, field in ipairs(redis.call('HKEYS', key)) do
    if string.sub(field, 1, #prefix) == prefix then drop[#drop + 1] = field end
  end
  for i = 1, #drop, 1000 do redis.call('HDEL', key, unpack(drop, i, math.min(i + 999, #drop))) end
end

-- remember(key, id, t, ttl, meta, reply) -> reply, remembered under id (`meta`: what recall() returned with nil).
local function remember(key, id, t, ttl, meta, reply)
  local ring, kept, g = 'o', otherKept, 2
  if reply[1] == 1 then ring, kept, g = 'f', firedKept, 4 end
  if meta[g + 1] >= kept then
    meta[g], meta[g + 1] = 1 - meta[g], 0
    dropGeneration(key, ring .. (meta[g] == 0 and '0:' or '1:'))
  end
  meta[g + 1] = meta[g + 1] + 1
  if t > meta[1] then meta[1] = t end
  redis.call('HSET', key, ring .. (meta[g] == 0 and '0:' or '1:') .. id, cmsgpack.pack(reply), 'm', cmsgpack.pack(meta))
  redis.call('PEXPIRE', key, ttl)
  return reply
end
