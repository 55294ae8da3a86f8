--[[
  Writes alerts to the outbox, once per alert id (idempotent: re-processing a
  batch after a crash enqueues nothing twice).
  KEYS  for each alert: its dedup key, then the stream key of each sink it is routed to
  ARGV[1] dedup TTL in seconds, ARGV[2] now (ms), then for each alert:
          number of sinks, alert id, alert JSON
  Returns one integer per alert: 1 enqueued, 0 already enqueued before.
]]
local ttl, now = ARGV[1], ARGV[2]
local k, a = 1, 3
local result = {}
while a <= #ARGV do
  local sinks, id, json = tonumber(ARGV[a]), ARGV[a + 1], ARGV[a + 2]
  local fresh = redis.call('SET', KEYS[k], now, 'NX', 'EX', ttl)
  if fresh then
    for i = 1, sinks do
      redis.call('XADD', KEYS[k + i], '*', 'id', id, 'alert', json, 'enqueuedAt', now)
    end
  end
  table.insert(result, fresh and 1 or 0)
  k = k + 1 + sinks
  a = a + 3
end
return result
