-- Add users to the distinct-user sketch of one period.
-- KEYS[1] the period's HyperLogLog
-- ARGV[1] period start in ms, ARGV[2] MaxSkew in ms, ARGV[3] time to live
-- in s, ARGV[4] pinned clock ('0': TIME), ARGV[5..] users
-- Returns 0, or 1 if the update was refused: the period starts more than
-- MaxSkew after the clock of record, so it holds only events no clock should
-- have stamped yet.
if tonumber(ARGV[1]) > now_ms(ARGV[4]) + tonumber(ARGV[2]) then return 1 end
redis.call('PFADD', KEYS[1], unpack(ARGV, 5))
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]), 'NX')
return 0
