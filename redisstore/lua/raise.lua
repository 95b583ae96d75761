-- Raise a node's totals: each field only ever grows, so a write that is
-- retried, duplicated or delivered after a newer one changes nothing.
-- KEYS[1] totals hash, KEYS[2] epochs hash
-- ARGV[1] node, ARGV[2] epoch, ARGV[3] P total, ARGV[4] N total
local node, mine = ARGV[1], tonumber(ARGV[2])
local retired = tonumber(redis.call('HGET', KEYS[2], node .. ':retired') or '0')
if mine <= retired then
  return redis.error_reply('ABACUS_RETIRED node ' .. node .. ' retired at epoch ' .. retired)
end
local epoch = tonumber(redis.call('HGET', KEYS[2], node) or '0')
if mine < epoch then
  return redis.error_reply('ABACUS_STALE node ' .. node .. ' was claimed by a newer process (epoch ' .. epoch .. ')')
end
if mine > epoch then
  -- Redis lost the epoch (a restart without persistence): restore it, so
  -- that an older process of the node is still told apart.
  redis.call('HSET', KEYS[2], node, mine)
end
local raised = 0
for i, suffix in ipairs({':p', ':n'}) do
  local field = node .. suffix
  local cur = redis.call('HGET', KEYS[1], field) or '0'
  if gt(ARGV[2 + i], cur) then
    redis.call('HSET', KEYS[1], field, ARGV[2 + i])
    raised = raised + 1
  end
end
return raised
