"""The Lua scripts of the fleet store: token buckets and circuit breakers (atomic in Redis).

Times come from the Redis server's clock (``TIME``), so workers on machines whose clocks
disagree still share one schedule. Numbers go back as strings (Redis would truncate a Lua
number to an integer).

A bucket is a hash ``{level, ts}``: ``level`` tokens at Redis time ``ts``, refilled at
``rate`` per second up to ``cap``. A taker debits its cost at once, even into debt, and is
told how long to wait until the debt is paid: waiters are served in the order they asked,
with one round trip each and no polling. A breaker is a hash ``{state, failures,
opened_at, gen, trials, trial_at}`` (state 0 closed, 1 open, 2 half-open).
"""

from __future__ import annotations

__all__ = ["ADJUST", "BREAKER_ADMIT", "BREAKER_RECORD", "BREAKER_STATE", "TAKE"]

_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
"""

_BUCKET = (
    _NOW
    + """
local function level_of(key, rate, cap)
  local v = redis.call('HMGET', key, 'level', 'ts')
  local level, ts = tonumber(v[1]), tonumber(v[2])
  if level == nil then return cap end
  return math.min(cap, level + math.max(now - ts, 0) * rate)
end
local function store(key, level, rate, cap)
  redis.call('HSET', key, 'level', string.format('%.6f', level), 'ts', string.format('%.6f', now))
  local ttl = math.ceil(((cap - level) / rate + 60) * 1000)
  redis.call('PEXPIRE', key, ttl)
end
"""
)

#: KEYS: one bucket per limit. ARGV: the longest wait accepted (seconds), then per bucket
#: rate (per second), cap, cost. Returns {1, wait} when the cost was debited from every
#: bucket (wait seconds before sending), or {0, wait} when the wait would be too long
#: (nothing debited).
TAKE = (
    _BUCKET
    + """
local max_wait = tonumber(ARGV[1])
local levels, wait = {}, 0
for i, key in ipairs(KEYS) do
  local rate, cap, cost = tonumber(ARGV[3*i-1]), tonumber(ARGV[3*i]), tonumber(ARGV[3*i+1])
  local level = level_of(key, rate, cap) - cost
  levels[i] = level
  if level < 0 then wait = math.max(wait, -level / rate) end
end
if wait > max_wait then return {0, string.format('%.6f', wait)} end
for i, key in ipairs(KEYS) do store(key, levels[i], tonumber(ARGV[3*i-1]), tonumber(ARGV[3*i])) end
return {1, string.format('%.6f', wait)}
"""
)

#: KEYS: buckets. ARGV: per bucket rate, cap, debit (negative: a refund), ceiling (the
#: level is lowered to it; may be negative: a debt). Returns nothing.
ADJUST = (
    _BUCKET
    + """
for i, key in ipairs(KEYS) do
  local rate, cap = tonumber(ARGV[4*i-3]), tonumber(ARGV[4*i-2])
  local debit, ceiling = tonumber(ARGV[4*i-1]), tonumber(ARGV[4*i])
  local level = math.min(cap, level_of(key, rate, cap) - debit)
  store(key, math.min(level, ceiling), rate, cap)
end
return 0
"""
)

_BREAKER = (
    _NOW
    + """
local key = KEYS[1]
local v = redis.call('HMGET', key, 'state', 'failures', 'opened_at', 'gen', 'trials', 'trial_at')
local state, failures = tonumber(v[1]) or 0, tonumber(v[2]) or 0
local opened_at, gen = tonumber(v[3]) or 0, tonumber(v[4]) or 0
local trials, trial_at = tonumber(v[5]) or 0, tonumber(v[6]) or 0
local before = state
local function save()
  redis.call('HSET', key, 'state', state, 'failures', failures,
    'opened_at', string.format('%.6f', opened_at), 'gen', gen, 'trials', trials,
    'trial_at', string.format('%.6f', trial_at))
end
local function move(to)
  state, gen, trials = to, gen + 1, 0
  if to == 1 then opened_at = now end
  if to == 0 then failures = 0 end
end
"""
)

#: KEYS: the breaker. ARGV: recovery seconds, trial calls at once, trial lease seconds.
#: Returns {admitted 1/0, gen, trial 1/0, retry_in, state before, state after}.
BREAKER_ADMIT = (
    _BREAKER
    + """
local recovery, max_trials, lease = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
if state == 0 then return {1, gen, 0, '0', before, state} end
if state == 1 then
  local left = recovery - (now - opened_at)
  if left > 0 then return {0, gen, 0, string.format('%.6f', left), before, state} end
  move(2)
end
if trials > 0 and now - trial_at > lease then trials = 0 end
if trials >= max_trials then save(); return {0, gen, 0, '0', before, state} end
trials, trial_at = trials + 1, now
save()
return {1, gen, 1, '0', before, state}
"""
)

#: KEYS: the breaker. ARGV: gen, trial 1/0, verdict (ok | fail | neutral), threshold.
#: Returns {state before, state after}.
BREAKER_RECORD = (
    _BREAKER
    + """
local ticket_gen, trial, verdict = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
if ticket_gen ~= gen then return {before, state} end
if trial == 1 then
  trials = math.max(trials - 1, 0)
  if verdict == 'fail' then move(1) elseif verdict == 'ok' then move(0) end
  save()
  return {before, state}
end
if state ~= 0 or verdict == 'neutral' then return {before, state} end
if verdict == 'ok' then
  if failures == 0 then return {before, state} end
  failures = 0
else
  failures = failures + 1
  if failures >= tonumber(ARGV[4]) then move(1) end
end
save()
return {before, state}
"""
)

#: KEYS: the breaker. ARGV: recovery seconds. Returns {state, retry_in}.
BREAKER_STATE = (
    _BREAKER
    + """
if state == 1 and now - opened_at >= tonumber(ARGV[1]) then return {2, '0'} end
return {state, string.format('%.6f', math.max(tonumber(ARGV[1]) - (now - opened_at), 0))}
"""
)
