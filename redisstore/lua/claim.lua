-- Claim a node's entry for a new incarnation of the node.
-- KEYS[1] totals hash, KEYS[2] epochs hash
-- ARGV[1] node, ARGV[2] the claiming process's token (random, per counter)
-- Returns {epoch, p, n}: the epoch and the totals stored so far, which the
-- new incarnation continues from. Writes carrying an older epoch are refused
-- from now on. A claim is idempotent per token: the same claim executed
-- again (a retry, a duplicate arriving late) returns the epoch it got the
-- first time instead of taking the entry away from its own process.
-- A retired node comes back as a new incarnation, past the retired epoch:
-- its entry starts from zero (its old totals are in the ~retired entry).
local node = ARGV[1]
local epoch
if redis.call('HGET', KEYS[2], node .. ':token') == ARGV[2] then
  epoch = tonumber(redis.call('HGET', KEYS[2], node) or '0')
else
  local cur = tonumber(redis.call('HGET', KEYS[2], node) or '0')
  local retired = tonumber(redis.call('HGET', KEYS[2], node .. ':retired') or '0')
  epoch = math.max(cur, retired) + 1
  redis.call('HSET', KEYS[2], node, epoch, node .. ':token', ARGV[2])
end
local p = redis.call('HGET', KEYS[1], node .. ':p') or '0'
local n = redis.call('HGET', KEYS[1], node .. ':n') or '0'
return {epoch, p, n}
