--[[
  Counts events (or distinct values) per group key in event-time buckets and fires when a
  bucket's count is far above the key's learned rate. The arithmetic is that of
  src/state/baseline.ts, step by step, so both stores decide alike to the last bit.
  KEYS[1], KEYS[2] sets of values of the even / odd buckets (with countValues; the newest and previous only)
  KEYS[3] throttle key
  KEYS[4] remembered decisions (includes/decisions.lua), whose counters field also holds the key's
          state: msgpack { s, n, b, c, p, w, x, q }: s time of the earliest counted event, n newest
          event time, b newest bucket, c its count, p the previous bucket's count, w x q weighted sums
          of the closed buckets (weight, counts, squared counts); msgpack keeps each double exact.
          Read and written with the decision, it costs no command of its own.
  ARGV[1] eventId, ARGV[2] timeMs, ARGV[3] countValues ('1' or '0'), ARGV[4] value, ARGV[5] bucketMs,
  ARGV[6] decay per bucket, ARGV[7] learningMs, ARGV[8] z, ARGV[9] min count, ARGV[10] min deviation,
  ARGV[11] ttlMs, ARGV[12] throttleMs, ARGV[13] alertId, ARGV[14] values kept per bucket
  Returns { status, count } or, firing, { 1, count, mean, deviation, z } (figures as %.17g text:
  a Lua number would reach the client cut to an integer); for an event applied before, the reply it got then.
]]
-- @include common
-- @include decisions
local id, t = ARGV[1], tonumber(ARGV[2])
local known, decided = recall(KEYS[4], id, t, ARGV[11])
if known then return known end

local byValue, value = ARGV[3] == '1', ARGV[4]
local size, r = number(ARGV[5]), number(ARGV[6])
local learning, need, minCount, minDeviation = number(ARGV[7]), number(ARGV[8]), number(ARGV[9]), number(ARGV[10])
local ttl, cap = number(ARGV[11]), number(ARGV[14])

local function num(x) return string.format('%.17g', x) end
local function setOf(bucket) return KEYS[1 + bucket % 2] end

-- r^k by repeated squaring, as decayPow() in baseline.ts: Lua's ^ is the C library's pow(), not V8's.
local function decayPow(k)
  local result, base, n = 1, r, k
  while n > 0 do
    if n % 2 == 1 then result = result * base end
    base = base * base
    n = math.floor(n / 2)
  end
  return result
end

local function addValue(key)
  local n = redis.call('SCARD', key)
  if n < cap then n = n + redis.call('SADD', key, value) end
  return n
end

local function decide()
  local b = math.floor(t / size)
  local h = decided.state and cmsgpack.unpack(decided.state)
  local st
  -- The key's state lives ttl of event time, as in the memory store: a key idle longer starts over.
  if h and t - h[2] <= ttl then
    st = { s = h[1], n = h[2], b = h[3], c = h[4], p = h[5], w = h[6], x = h[7], q = h[8] }
  else
    if byValue then redis.call('UNLINK', KEYS[1], KEYS[2]) end
    st = { s = t, n = t, b = b, c = 0, p = 0, w = 0, x = 0, q = 0 }
  end
  if t > st.n then st.n = t end

  if b > st.b then
    local function fold(x)
      st.w = r * st.w + 1
      st.x = r * st.x + x
      st.q = r * st.q + x * x
    end
    if st.b - 1 >= math.floor(st.s / size) then fold(st.p) end
    if b - 2 >= st.b then
      fold(st.c)
      local k = b - 2 - st.b
      if k > 0 then
        local rk = decayPow(k)
        st.w = rk * st.w + (1 - rk) / (1 - r)
        st.x = rk * st.x
        st.q = rk * st.q
      end
    end
    if byValue then
      -- Adjacent: the set of b's parity held the bucket before the previous one; otherwise both are stale.
      if b - 1 == st.b then redis.call('DEL', setOf(b)) else redis.call('DEL', KEYS[1], KEYS[2]) end
    end
    if b - 1 == st.b then st.p = st.c else st.p = 0 end
    st.c = 0
    st.b = b
  end

  local count = 0
  local w, x, q = st.w, st.x, st.q
  local counted = b >= st.b - 1
  if counted then
    if t < st.s then st.s = t end
    if b == st.b then
      if byValue then count = addValue(setOf(b)) else count = st.c + 1 end
      st.c = count
      -- The previous bucket is history for this one: folded here, not stored, since late events may still add to it.
      if st.b - 1 >= math.floor(st.s / size) then
        w = r * w + 1
        x = r * x + st.p
        q = r * q + st.p * st.p
      end
    else
      if byValue then count = addValue(setOf(b)) else count = st.p + 1 end
      st.p = count
    end
  end
  decided.state = cmsgpack.pack({ st.s, st.n, st.b, st.c, st.p, st.w, st.x, st.q })
  if byValue then
    redis.call('PEXPIRE', KEYS[1], ARGV[11])
    redis.call('PEXPIRE', KEYS[2], ARGV[11])
  end
  if (not counted) or t - st.s < learning or count < minCount then return { 0, count } end

  local mean, variance = 0, 0
  if w ~= 0 then
    mean = x / w
    variance = q / w - mean * mean
  end
  if variance < 0 then variance = 0 end
  local deviation = math.max(math.sqrt(variance), minDeviation)
  local z = (count - mean) / deviation
  if z < need then return { 0, count } end
  local status = throttle(KEYS[3], ARGV[13], t, number(ARGV[12]))
  if status ~= 1 then return { status, count } end
  return { 1, count, num(mean), num(deviation), num(z) }
end

return remember(KEYS[4], id, t, ARGV[11], decided, decide())
