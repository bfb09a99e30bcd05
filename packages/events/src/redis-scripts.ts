/*
 * Lua scripts for log streams on Redis. Each log is three names sharing one hash tag (`{stream}`), so
 * they live in the same cluster slot and a script may touch them together:
 *
 *   <prefix>log:{<stream>}:data  a Redis Stream; one entry per append, field `d` = the bytes, entry ID
 *                                `<start offset>-1` (the `-1` because XADD refuses 0-0)
 *   <prefix>log:{<stream>}:meta  a hash: `len` (total bytes) and `closed` ("1" once closed)
 *   <prefix>log-notify:<stream>  pub/sub channel announcing the new length, "closed" or "deleted"
 *
 * Because IDs are start offsets, the entry holding byte `o` is the last one with ID ≤ `o-1`: one
 * XREVRANGE … COUNT 1 finds it in O(log n) and XRANGE walks forward from there.
 * Requires Redis ≥ 6.2 (exclusive `(` range starts).
 */

/** KEYS: data, meta. ARGV: bytes, notify channel. Returns the new length, or -1 when closed. */
export const appendScript = `
if redis.call('HGET', KEYS[2], 'closed') == '1' then return -1 end
local raw = redis.call('HGET', KEYS[2], 'len')
local len = 0
if raw then
  len = tonumber(raw)
else
  -- No meta (never written, or lost to a partial expiry): recover the length from the last entry.
  local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
  if #last > 0 then
    len = tonumber(string.match(last[1][1], '^(%d+)')) + string.len(last[1][2][2])
  end
end
local n = string.len(ARGV[1])
if n == 0 then return len end
redis.call('XADD', KEYS[1], string.format('%d-1', len), 'd', ARGV[1])
local total = len + n
redis.call('HSET', KEYS[2], 'len', string.format('%d', total))
redis.call('PUBLISH', ARGV[2], string.format('%d', total))
return total
`;

/** KEYS: data. ARGV: offset, limit (decimal integers). Returns the bytes [offset, offset+limit). */
export const readScript = `
local offset = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local found = redis.call('XREVRANGE', KEYS[1], ARGV[1] .. '-1', '-', 'COUNT', 1)
if #found == 0 then return '' end
local entry = found[1]
local start = tonumber(string.match(entry[1], '^(%d+)'))
local data = entry[2][2]
local skip = offset - start
if skip >= string.len(data) then return '' end
local parts = { string.sub(data, skip + 1, skip + limit) }
local need = limit - string.len(parts[1])
local cursor = entry[1]
while need > 0 do
  local batch = redis.call('XRANGE', KEYS[1], '(' .. cursor, '+', 'COUNT', 64)
  if #batch == 0 then break end
  for i = 1, #batch do
    local piece = string.sub(batch[i][2][2], 1, need)
    parts[#parts + 1] = piece
    need = need - string.len(piece)
    cursor = batch[i][1]
    if need <= 0 then break end
  end
end
return table.concat(parts)
`;

/** KEYS: meta. ARGV: notify channel. */
export const closeScript = `
redis.call('HSET', KEYS[1], 'closed', '1')
redis.call('PUBLISH', ARGV[1], 'closed')
return 1
`;
