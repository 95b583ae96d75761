-- Forget what can no longer change a count: sessions, tombstones and users
-- stamped before the horizon, the clock of record minus Timeout + MaxSkew.
-- KEYS[1..5] as in event.lua
-- ARGV[1] Timeout + MaxSkew in ms, ARGV[2] pinned clock ('0': TIME),
-- ARGV[3] the most sessions to forget in one call (the next flush goes on)
-- Returns the number of sessions forgotten.
local horizon = '(' .. (now_ms(ARGV[2]) - tonumber(ARGV[1]))
local old = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', horizon, 'LIMIT', 0, tonumber(ARGV[3]))
for _, session in ipairs(old) do forget(session, false) end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', horizon)
-- A user whose latest session is past the horizon has no session left
-- that can count; sessions of it not forgotten yet go in later calls.
redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', horizon)
return #old
