"""The Lua scripts of the Redis ledger store (each runs atomically in Redis).

Times come from the Redis server's clock (``TIME``), so the leases of workers on machines
whose clocks disagree still lapse together. Amounts are integers (nano-dollars, tokens).
A hold is a hash field ``hold_id -> "nano tokens lease_until"``.
"""

from __future__ import annotations

__all__ = ["RESERVE", "SETTLE", "SPEND"]

_STATE = """
local function now_seconds()
  local t = redis.call('TIME')
  return tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local function state(spend_key, holds_key, now, prune)
  local entries = redis.call('HGETALL', holds_key)
  local held_nano, held_tokens, count = 0, 0, 0
  for j = 1, #entries, 2 do
    local nano, tokens, lease = string.match(entries[j + 1], '^(%d+) (%d+) (%S+)$')
    if tonumber(lease) <= now then
      if prune then redis.call('HDEL', holds_key, entries[j]) end
    else
      held_nano = held_nano + tonumber(nano)
      held_tokens = held_tokens + tonumber(tokens)
      count = count + 1
    end
  end
  local spent = redis.call('HMGET', spend_key, 'nano', 'tokens')
  return tonumber(spent[1] or 0), tonumber(spent[2] or 0), held_nano, held_tokens, count
end
"""

#: KEYS: spend and holds key of each charge. ARGV: hold id, lease seconds, then per charge
#: nano, tokens, limit nano (-1: none), limit tokens (-1: none), enforce (1/0).
#: Returns {0} when the hold was taken, else {index, spent nano, spent tokens, held nano,
#: held tokens, holds} of the first charge that did not fit.
RESERVE = (
    _STATE
    + """
local now = now_seconds()
local lease_until = now + tonumber(ARGV[2])
local n = #KEYS / 2
for i = 1, n do
  local a = 2 + (i - 1) * 5
  local nano, tokens = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
  local limit_nano, limit_tokens = tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4])
  local sn, st, hn, ht, count = state(KEYS[2 * i - 1], KEYS[2 * i], now, true)
  if ARGV[a + 5] == '1' and ((limit_nano >= 0 and sn + hn + nano > limit_nano)
      or (limit_tokens >= 0 and st + ht + tokens > limit_tokens)) then
    return {i, sn, st, hn, ht, count}
  end
end
for i = 1, n do
  local a = 2 + (i - 1) * 5
  redis.call('HSET', KEYS[2 * i], ARGV[1],
    ARGV[a + 1] .. ' ' .. ARGV[a + 2] .. ' ' .. string.format('%.6f', lease_until))
end
return {0}
"""
)

#: KEYS: rows hash, time index, then spend and holds key of each debit. ARGV: row id, row
#: JSON, row time, hold id ('' for none), then per debit nano, tokens. Returns nil when the
#: row was already recorded, else {spent nano, spent tokens} per debit.
SETTLE = """
local n = (#KEYS - 2) / 2
if ARGV[4] ~= '' then
  for i = 1, n do redis.call('HDEL', KEYS[2 + 2 * i], ARGV[4]) end
end
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return false end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
local out = {}
for i = 1, n do
  local a = 4 + (i - 1) * 2
  out[#out + 1] = redis.call('HINCRBY', KEYS[1 + 2 * i], 'nano', ARGV[a + 1])
  out[#out + 1] = redis.call('HINCRBY', KEYS[1 + 2 * i], 'tokens', ARGV[a + 2])
end
return out
"""

#: KEYS: spend and holds key of each key asked. Returns five numbers per key.
SPEND = (
    _STATE
    + """
local now = now_seconds()
local out = {}
for i = 1, #KEYS / 2 do
  local sn, st, hn, ht, count = state(KEYS[2 * i - 1], KEYS[2 * i], now, false)
  for _, v in ipairs({sn, st, hn, ht, count}) do out[#out + 1] = v end
end
return out
"""
)
