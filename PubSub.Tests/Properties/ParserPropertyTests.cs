using System.Text;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using PubSub.Server.Api;
using PubSub.Server.WebSockets;

namespace PubSub.Tests.Properties;

/// <summary>
/// Issue 10: arbitrary bytes and arbitrary JSON at the <c>/ws</c> request parser and the REST body parser. Neither
/// ever throws; what they accept is well-formed (every string readable, no lone surrogate let through).
/// </summary>
public sealed class ParserPropertyTests
{
    private static readonly Arbitrary<byte[]> Bytes = ArbMap.Default.ArbFor<byte[]>();

    private static readonly Arbitrary<string> Objects = Arb.From(JsonGen.Object);

    private static readonly Arbitrary<string> Values = Arb.From(JsonGen.Value);

    [Property(MaxTest = 1000)]
    public Property The_ws_parser_never_throws_on_arbitrary_bytes() =>
        Prop.ForAll(Bytes, bytes => ParseWs(bytes));

    [Property(MaxTest = 2000)]
    public Property The_ws_parser_never_throws_on_arbitrary_JSON_and_what_it_accepts_is_valid() =>
        Prop.ForAll(Objects, json => ParseWs(Encoding.UTF8.GetBytes(json)));

    [Property(MaxTest = 500)]
    public Property The_ws_parser_never_throws_on_JSON_that_is_not_an_object() =>
        Prop.ForAll(Values, json => ParseWs(Encoding.UTF8.GetBytes(json)));

    [Property(MaxTest = 1000)]
    public Property The_REST_body_parser_never_throws_on_arbitrary_bytes() =>
        Prop.ForAll(Bytes, bytes => ParseRest(bytes));

    [Property(MaxTest = 2000)]
    public Property The_REST_body_parser_never_throws_on_arbitrary_JSON_and_every_string_it_accepts_is_readable() =>
        Prop.ForAll(Values, json => ParseRest(Encoding.UTF8.GetBytes(json)));

    private static bool ParseWs(byte[] frame)
    {
        if (!WsRequestParser.TryParse(frame, 100, out var request, out var error))
        {
            return error.Message.Length > 0 && request is null;
        }

        return request!.Type == WsRequestType.Ping || PubSub.Core.PubSubBroker.IsTopicName(request.Topic);
    }

    private static bool ParseRest(byte[] body)
    {
        var (document, error, status) = JsonBody.Parse(body);
        if (document is null)
        {
            return status == 400 && error is { Length: > 0 };
        }

        using (document)
        {
            ReadEveryString(document.RootElement); // throws (fails the property) on a string no one could read
            return status == 0;
        }
    }

    private static void ReadEveryString(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                _ = element.GetString();
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    ReadEveryString(item);
                }

                break;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    _ = property.Name;
                    ReadEveryString(property.Value);
                }

                break;
        }
    }
}
