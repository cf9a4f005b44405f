namespace PubSub.Core.Engine.Redis;

/// <summary>
/// The Lua scripts: each change of a topic is one script, so it is atomic in Redis. A Redis that forgot its scripts
/// (restart, SCRIPT FLUSH, failover) answers NOSCRIPT to every pipelined EVALSHA, and the client's own fallback re-sends
/// each as EVAL when its answer comes, which would reorder one connection's publishes: the publish script runs through
/// <see cref="OrderedScript"/>, which keeps the order; the rare changes (create, delete, reset) are sent whole (EVAL,
/// <see cref="StackExchange.Redis.CommandFlags.NoScriptCache"/>); reads use EVALSHA with the fallback, where order does
/// not matter. Key names come from <see cref="RedisKeys"/>.
/// </summary>
internal static class RedisScripts
{
    /// <summary>
    /// Reserves a topic's name in the registry, within the quota: the first of the two steps of a create (the registry
    /// and the topic live in different hash slots on a Redis Cluster, and no script may span two). KEYS[1] registry,
    /// KEYS[2] topics per creating key. ARGV[1] name, ARGV[2] the new topic's epoch (its life), ARGV[3] the creating key's
    /// id or "", ARGV[4] MaxTopics, ARGV[5] MaxTopicsPerKey. The entry is "{life}\n{reserved at, Redis ms}\n{key id}".
    /// Returns 1, 0 when the name is taken, -1 at MaxTopics, -2 when the key is at MaxTopicsPerKey (counted in O(1)).
    /// </summary>
    public const string Reserve = """
        if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
          return 0
        end
        if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[4]) then
          return -1
        end
        if ARGV[3] ~= '' and tonumber(redis.call('HGET', KEYS[2], ARGV[3]) or '0') >= tonumber(ARGV[5]) then
          return -2
        end
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. '\n' .. now .. '\n' .. ARGV[3])
        if ARGV[3] ~= '' then
          redis.call('HINCRBY', KEYS[2], ARGV[3], 1)
        end
        return 1
        """;

    /// <summary>
    /// Gives a name back to the registry: its topic was deleted, or the create it was reserved for failed, or it is a
    /// leftover of either whose second step never ran. KEYS[1] registry, KEYS[2] topics per creating key. ARGV[1] name,
    /// ARGV[2] the entry's life, or "" for whatever entry it holds, ARGV[3] the events channel, or "" to announce nothing,
    /// ARGV[4] how old the entry must be (ms, Redis time; 0: any age), so that a create in progress between its two
    /// steps is never taken for a leftover. The creating key's count goes down. Announces "d{name}" on the events
    /// channel. Returns 1, or 0 when no such entry was removed.
    /// </summary>
    public const string Release = """
        local entry = redis.call('HGET', KEYS[1], ARGV[1])
        if not entry then
          return 0
        end
        local life, at, owner = string.match(entry, '^(%w+)\n(%d+)\n(.*)$')
        if not life or (ARGV[2] ~= '' and life ~= ARGV[2]) then
          return 0
        end
        if tonumber(ARGV[4]) > 0 then
          local t = redis.call('TIME')
          local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
          if now - tonumber(at) < tonumber(ARGV[4]) then
            return 0
          end
        end
        redis.call('HDEL', KEYS[1], ARGV[1])
        if owner ~= '' and redis.call('HINCRBY', KEYS[2], owner, -1) <= 0 then
          redis.call('HDEL', KEYS[2], owner)
        end
        if ARGV[3] ~= '' then
          redis.call('PUBLISH', ARGV[3], 'd' .. ARGV[1])
        end
        return 1
        """;

    /// <summary>
    /// Creates a topic whose name is reserved (<see cref="Reserve"/>): the second step, on the topic's own slot.
    /// KEYS[1] topic hash, KEYS[2] history. ARGV[1] epoch, ARGV[2] created (unix ms), ARGV[3] metadata JSON or "",
    /// ARGV[4] history capacity (messages), ARGV[5] history bound (bytes), ARGV[6] the creating key's id or "",
    /// ARGV[7] its name or "". The bounds are stored with the topic, so that every node trims and reads the same window
    /// whatever its own settings. Returns 1, or 0 when the topic hash exists already (then nothing changes).
    /// </summary>
    public const string Create = """
        if redis.call('EXISTS', KEYS[1]) == 1 then
          return 0
        end
        redis.call('DEL', KEYS[2])
        redis.call('HSET', KEYS[1], 'epoch', ARGV[1], 'life', ARGV[1], 'created', ARGV[2], 'meta', ARGV[3], 'seq', 0, 'cap', ARGV[4], 'maxb', ARGV[5], 'bytes', 0)
        if ARGV[6] ~= '' then
          redis.call('HSET', KEYS[1], 'owner', ARGV[6], 'owner_name', ARGV[7])
        end
        return 1
        """;

    /// <summary>
    /// A node's report round. KEYS[1] the node set (sorted by last report, Redis time in ms), KEYS[2] the reports (a hash,
    /// node id → JSON). ARGV[1] node id, ARGV[2] report JSON, ARGV[3] expiry (ms), ARGV[4] this process's instance token.
    /// Stores the report, forgets nodes not seen within the expiry (set entry and report), and returns
    /// {now, replaced, id1, seen1, report1, …} for every node left (this one included); replaced is 1 when the report
    /// it overwrote carried another instance. Times are Redis's, so nodes' clocks need not agree. Both keys share the
    /// <c>{nodes}</c> slot.
    /// </summary>
    public const string Report = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local expiry = tonumber(ARGV[3])
        local replaced = 0
        local previous = redis.call('HGET', KEYS[2], ARGV[1])
        if previous then
          local ok, report = pcall(cjson.decode, previous)
          if ok and type(report) == 'table' and report.instance ~= nil and report.instance ~= ARGV[4] then
            replaced = 1
          end
        end
        redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
        redis.call('ZADD', KEYS[1], now, ARGV[1])
        local gone = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - expiry)
        for i = 1, #gone do
          redis.call('HDEL', KEYS[2], gone[i])
        end
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - expiry)
        redis.call('PEXPIRE', KEYS[1], expiry * 2)
        redis.call('PEXPIRE', KEYS[2], expiry * 2)
        local nodes = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
        local out = { now, replaced }
        for i = 1, #nodes, 2 do
          local report = redis.call('HGET', KEYS[2], nodes[i])
          if report then
            out[#out + 1] = nodes[i]
            out[#out + 1] = tonumber(nodes[i + 1])
            out[#out + 1] = report
          end
        end
        return out
        """;

    /// <summary>
    /// Publishes. KEYS[1] topic hash, KEYS[2] history.
    /// ARGV[1] "{header JSON}\n{payload}", ARGV[2] history capacity and ARGV[3] byte bound (for topics created before
    /// the bounds were stored with them), ARGV[4] topic channel, ARGV[5] now (unix ms), ARGV[6] the epoch and ARGV[7] the
    /// highest seq this node has seen of the topic ("" and 0: none), ARGV[8] a fresh epoch.
    /// When the store is behind what the node saw in the same epoch (it lost acknowledged messages), the topic first
    /// moves to the fresh epoch, announced as "r{old epoch}\n{new epoch}\n{seq}" on the topic channel, so that no seq
    /// is given to a second message. Then: the next seq, "{seq}\n" .. ARGV[1] appended to history (trimmed to the
    /// topic's capacity and byte bound, oldest first), "m{epoch}\n{entry}" published on the topic channel.
    /// Returns {seq, epoch}, or false when the topic does not exist.
    /// </summary>
    public const string Publish = PublishHead + "\n" + PublishBody + "\nreturn {seq, epoch}";

    /// <summary>
    /// <see cref="Publish"/> with an idempotency key: KEYS[3] the key (<see cref="RedisKeys.Idempotency"/>), ARGV[9] the
    /// window (ms), ARGV[10] the message id. When KEYS[3] holds "{life}\n{seq}\n{id}" of this life of the topic (the
    /// hash's "life", or "created" for a topic made before lives were stored) with a seq the store has reached, nothing
    /// is published and {seq, epoch, id} of that first publish is returned (a third element: a duplicate). Otherwise the
    /// publish goes on as <see cref="Publish"/> and records "{life}\n{seq}\n{id}" under KEYS[3], expiring after the window.
    /// A key older than its topic's life (deleted and created again), or with a seq the store never reached (it came
    /// back older than the key), is no key. Unkeyed publishes send <see cref="Publish"/>, without these lines.
    /// </summary>
    public const string PublishKeyed = PublishHead + "\n" + """
        local life = redis.call('HGET', KEYS[1], 'life') or redis.call('HGET', KEYS[1], 'created')
        local seen = redis.call('GET', KEYS[3])
        if seen then
          local l, s, i = string.match(seen, '^(%w+)\n(%d+)\n(.*)$')
          if l == life and tonumber(s) <= latest then
            return {tonumber(s), epoch, i}
          end
        end
        """ + "\n" + PublishBody + "\n" + """
        redis.call('SET', KEYS[3], life .. '\n' .. seq .. '\n' .. ARGV[10], 'PX', ARGV[9])
        return {seq, epoch}
        """;

    private const string PublishHead = """
        local t = redis.call('HMGET', KEYS[1], 'epoch', 'seq', 'cap', 'maxb', 'bytes')
        local epoch = t[1]
        if not epoch then
          return false
        end
        local latest = tonumber(t[2])
        """;

    private const string PublishBody = """
        if ARGV[6] == epoch and tonumber(ARGV[7]) > latest then
          local fresh = ARGV[8]
          redis.call('HSET', KEYS[1], 'epoch', fresh, 'prev', epoch, 'pseq', latest)
          redis.call('PUBLISH', ARGV[4], 'r' .. epoch .. '\n' .. fresh .. '\n' .. latest)
          epoch = fresh
        end
        local seq = latest + 1
        local entry = seq .. '\n' .. ARGV[1]
        local capacity = tonumber(t[3] or ARGV[2])
        local maxb = tonumber(t[4] or ARGV[3])
        local bytes = tonumber(t[5] or 0)
        if capacity > 0 then
          local len = redis.call('RPUSH', KEYS[2], entry)
          bytes = bytes + #entry
          while len > 0 and (len > capacity or bytes > maxb) do
            bytes = bytes - #redis.call('LPOP', KEYS[2])
            len = len - 1
          end
        end
        redis.call('HSET', KEYS[1], 'seq', seq, 'last', ARGV[5], 'bytes', bytes)
        redis.call('PUBLISH', ARGV[4], 'm' .. epoch .. '\n' .. entry)
        """;

    /// <summary>
    /// Moves a topic to a new epoch after the store lost acknowledged messages. KEYS[1] topic hash, KEYS[2] history.
    /// ARGV[1] the epoch that lost them, ARGV[2] a fresh epoch, ARGV[3] the seq through which retained messages are of
    /// the old life (later ones were published since the store came back, and follow the reset), ARGV[4] topic channel.
    /// Retained history stays and belongs to the new epoch. Announces "r{old}\n{new}\n{seq}" on the topic channel.
    /// Returns {epoch, seq}: the move made now, or the one an earlier call made from the same epoch; false when the
    /// topic does not exist or is in neither epoch.
    /// </summary>
    public const string Reset = """
        local t = redis.call('HMGET', KEYS[1], 'epoch', 'seq', 'prev', 'pseq')
        if not t[1] then
          return false
        end
        if t[1] ~= ARGV[1] then
          if t[3] == ARGV[1] then
            return {t[1], tonumber(t[4])}
          end
          return false
        end
        local latest = tonumber(t[2])
        local first = latest - redis.call('LLEN', KEYS[2]) + 1
        local kept = math.max(first - 1, math.min(tonumber(ARGV[3]), latest))
        redis.call('HSET', KEYS[1], 'epoch', ARGV[2], 'prev', ARGV[1], 'pseq', kept)
        redis.call('PUBLISH', ARGV[4], 'r' .. ARGV[1] .. '\n' .. ARGV[2] .. '\n' .. kept)
        return {ARGV[2], kept}
        """;

    /// <summary>
    /// Deletes a topic: the first of two steps, on the topic's slot (then its registry entry is released,
    /// <see cref="Release"/>). KEYS[1] topic hash, KEYS[2] history. ARGV[1] topic channel.
    /// Publishes "d{epoch}" on the topic channel (after every message of that life).
    /// Returns the topic's life (the epoch it was created with), or false when there was no such topic.
    /// </summary>
    public const string Delete = """
        local t = redis.call('HMGET', KEYS[1], 'epoch', 'life', 'created')
        if not t[1] then
          return false
        end
        redis.call('DEL', KEYS[1], KEYS[2])
        redis.call('PUBLISH', ARGV[1], 'd' .. t[1])
        return t[2] or t[3]
        """;

    /// <summary>
    /// Reads history as one snapshot. KEYS[1] topic hash, KEYS[2] history.
    /// ARGV[1] "last" (ARGV[2] = n), "after" (ARGV[2] = seq) or "page" (ARGV[2] = offset from the newest, ARGV[3] = limit).
    /// Returns {epoch, latest seq, retained count, entries oldest first, the epoch a reset replaced or "", the reset's seq},
    /// or false when the topic does not exist.
    /// </summary>
    public const string Read = """
        local meta = redis.call('HMGET', KEYS[1], 'epoch', 'seq', 'prev', 'pseq')
        if not meta[1] then
          return false
        end
        local latest = tonumber(meta[2])
        local len = redis.call('LLEN', KEYS[2])
        local first = latest - len + 1
        local a = tonumber(ARGV[2])
        local start, stop = 0, -1
        if ARGV[1] == 'last' then
          start, stop = len - math.min(a, len), len - 1
        elseif ARGV[1] == 'after' then
          start, stop = math.max(0, a - first + 1), len - 1
        else
          stop = len - 1 - a
          start = math.max(0, stop - tonumber(ARGV[3]) + 1)
        end
        local entries = {}
        if start <= stop and stop >= 0 and start < len then
          entries = redis.call('LRANGE', KEYS[2], start, stop)
        end
        return {meta[1], latest, len, entries, meta[3] or '', tonumber(meta[4] or 0)}
        """;

    /// <summary>
    /// The script as it runs on a Redis Cluster: its notices are published on sharded channels (<c>SPUBLISH</c>, to the
    /// cluster node of the channel's slot, which is the slot of the script's keys), not broadcast to every cluster node.
    /// </summary>
    public static string Sharded(string script) => script.Replace("redis.call('PUBLISH',", "redis.call('SPUBLISH',", StringComparison.Ordinal);

    /// <summary>
    /// The script without its indentation: a script sent whole with every call (EVAL) costs its length on the wire
    /// and in Redis's hash of it, each time. Lua needs no indentation, and no string literal in these scripts spans lines.
    /// </summary>
    public static string Compact(string script) =>
        string.Join('\n', script.Split('\n').Select(line => line.Trim()).Where(line => line.Length > 0));
}
