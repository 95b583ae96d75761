-- Retire a node: fold its totals into the ~retired entry and bury it, in one
-- atomic step, so it is counted once; later writes of the node are refused.
-- Retiring a retired node does nothing.
-- KEYS[1] totals hash, KEYS[2] epochs hash, KEYS[3] retired set
-- ARGV[1] node
if redis.call('SISMEMBER', KEYS[3], ARGV[1]) == 1 then return 0 end
for _, suffix in ipairs({':p', ':n'}) do
  local v = redis.call('HGET', KEYS[1], ARGV[1] .. suffix) or '0'
  local acc = redis.call('HGET', KEYS[1], '~retired' .. suffix) or '0'
  redis.call('HSET', KEYS[1], '~retired' .. suffix, add(acc, v))
  redis.call('HDEL', KEYS[1], ARGV[1] .. suffix)
end
redis.call('HDEL', KEYS[2], ARGV[1], ARGV[1] .. ':token')
redis.call('SADD', KEYS[3], ARGV[1])
return 1
