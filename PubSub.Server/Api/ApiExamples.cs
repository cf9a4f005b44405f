namespace PubSub.Server.Api;

/// <summary>
/// Examples in the OpenAPI document, in the wire's own words (PROTOCOL.md §6). A test checks that each one validates
/// against the schema the document gives its type.
/// </summary>
internal static class ApiExamples
{
    private static readonly Dictionary<Type, string> ByType = new()
    {
        [typeof(CreateTopicRequest)] = """{"name":"orders","metadata":{"description":"Order events"}}""",
        [typeof(PublishRequest)] = """{"payload":{"order_id":"ORD-123","amount":"99.50","currency":"USD"}}""",
        [typeof(HealthResponse)] = """{"uptime_sec":123,"topics":2,"subscribers":4,"connections":3,"status":"ok","node":"web1"}""",
        [typeof(HealthProbeResponse)] = """{"status":"healthy","node":"web1","duration_ms":1.214,"checks":[{"name":"process","status":"healthy","duration_ms":0.012,"description":"serving requests"},{"name":"redis","status":"healthy","duration_ms":0.905},{"name":"cluster","status":"healthy","duration_ms":0.004,"description":"listed in the cluster with its address"}]}""",
        [typeof(NodesResponse)] = """{"nodes":[{"id":"web1","address":"http://10.0.0.5:8000","started_at":"2026-11-27T09:00:00.000Z","last_seen":"2026-11-27T10:59:10.000Z","connections":120,"subscriptions":340,"self":true},{"id":"web2","address":"http://10.0.0.6:8000","started_at":"2026-11-27T09:00:02.000Z","last_seen":"2026-11-27T10:59:09.100Z","connections":98,"subscriptions":301,"self":false}],"node":"web1"}""",
        [typeof(ConnectionsResponse)] = """{"connections":[{"id":"ws-7.web2","node":"web2","transport":"ws","client_ip":"10.0.0.20","user_agent":"orders-service/1.4","connected_at":"2026-11-27T10:12:00.000Z","topics":["orders"],"delivered":4210,"dropped":0,"queued":0}],"unanswered":[],"next_cursor":"web2:7"}""",
        [typeof(DisconnectResponse)] = """{"status":"disconnected","connection":"ws-7.web2"}""",
        [typeof(StatsResponse)] = """{"topics":{"orders":{"messages":42,"subscribers":3,"last_published":"2026-11-27T10:59:10.893Z"}},"uptime_sec":123,"subscribers":3,"connections":{"ws":2,"signalr":1},"published":42,"delivered":126,"dropped":0}""",
        [typeof(TopicListResponse)] = """{"topics":[{"name":"orders","subscribers":3,"created_at":"2026-11-27T10:00:00.000Z","messages":42}]}""",
        [typeof(TopicStatusResponse)] = """{"status":"created","topic":"orders"}""",
        [typeof(TopicDetailResponse)] = """{"name":"orders","created_at":"2026-11-27T10:00:00.000Z","last_published":"2026-11-27T10:59:10.893Z","message_count":42,"subscriber_count":3,"is_active":true,"metadata":{"description":"Order events"},"subscriptions_count":3,"last_seq":42}""",
        [typeof(SubscribersResponse)] = """{"topic":"orders","subscribers_count":1,"subscribers":[{"client_id":"subscriber1","connection_id":"ws-7.web1","transport":"ws","subscribed_at":"2026-11-27T10:59:09.184Z","client_ip":"127.0.0.1","user_agent":"curl/7.88.1","node":"web1"}]}""",
        [typeof(MessagesResponse)] = """{"topic":"orders","messages":[{"id":"3f2b8c1e-7a4d-4c5e-9b6a-1d2e3f4a5b6c","seq":42,"payload":{"order_id":"ORD-123"},"publisher_id":"rest","ts":"2026-11-27T10:59:10.893Z"}],"total_count":42,"limit":10,"offset":0}""",
        [typeof(PublishResponse)] = """{"status":"published","topic":"orders","id":"3f2b8c1e-7a4d-4c5e-9b6a-1d2e3f4a5b6c","seq":43}""",
        [typeof(ErrorResponse)] = """{"error":"Topic not found","code":"TOPIC_NOT_FOUND"}""",
    };

    private static readonly Dictionary<string, string> ByStatus = new(StringComparer.Ordinal)
    {
        ["400"] = """{"error":"limit must be a positive integer","code":"BAD_REQUEST"}""",
        ["401"] = """{"error":"missing or invalid API key (send header X-API-Key or query api_key)","code":"UNAUTHORIZED"}""",
        ["403"] = """{"error":"this API key may not do that","code":"FORBIDDEN"}""",
        ["404"] = """{"error":"Topic not found","code":"TOPIC_NOT_FOUND"}""",
        ["409"] = """{"error":"Topic already exists","code":"TOPIC_EXISTS"}""",
        ["413"] = """{"error":"request body exceeds 65536 bytes","code":"BAD_REQUEST"}""",
        ["429"] = """{"error":"Too many requests","code":"RATE_LIMITED"}""",
    };

    /// <summary>The 200 answer of a publish whose Idempotency-Key was seen: the first publish's id and seq.</summary>
    public const string DuplicatePublish = """{"status":"published","topic":"orders","id":"3f2b8c1e-7a4d-4c5e-9b6a-1d2e3f4a5b6c","seq":43,"duplicate":true}""";

    public static string? ForType(Type type) => ByType.GetValueOrDefault(type);

    public static string? ForError(string status) => ByStatus.GetValueOrDefault(status);

    public static IEnumerable<KeyValuePair<Type, string>> All => ByType;
}
