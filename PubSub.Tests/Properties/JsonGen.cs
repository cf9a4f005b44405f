using System.Globalization;
using System.Text;
using FsCheck;
using FsCheck.Fluent;

namespace PubSub.Tests.Properties;

/// <summary>
/// Generators of request-shaped JSON text: objects with the protocol's field names (and others), values of every
/// kind and type, strings with any UTF-16 code unit (lone surrogates included, written as <c>\uXXXX</c>), nesting.
/// </summary>
internal static class JsonGen
{
    private static readonly string[] Keys =
        ["type", "topic", "client_id", "message", "payload", "id", "last_n", "since_seq", "request_id", "epoch", "name", "metadata", "x"];

    private static readonly string[] Words =
        ["subscribe", "unsubscribe", "publish", "ping", "orders", "t", "", " ", "550e8400-e29b-41d4-a716-446655440000", "a:b.c_d-e"];

    public static Gen<string> String { get; } = Gen.OneOf(
        Gen.Elements(Words),
        ArbMap.Default.GeneratorFor<char[]>().Select(chars => new string(chars)),
        Gen.Elements('\ud800', '\udfff', '\ud83d', '\u0000', '"', '\\').ArrayOf().Select(chars => new string(chars)));

    private static readonly Gen<string> Number = Gen.OneOf(
        ArbMap.Default.GeneratorFor<long>().Select(n => n.ToString(CultureInfo.InvariantCulture)),
        ArbMap.Default.GeneratorFor<NormalFloat>().Select(f => f.Get.ToString("R", CultureInfo.InvariantCulture)),
        Gen.Elements("-0", "1e400", "-1e400", "0.5", "99999999999999999999999", "1E+2"));

    public static Gen<string> Value { get; } = Gen.Sized(Tree);

    /// <summary>A JSON object, usually with protocol fields.</summary>
    public static Gen<string> Object { get; } = Gen.Sized(size => ObjectOf(Math.Min(size, 6)));

    private static Gen<string> Tree(int size)
    {
        var leaf = Gen.OneOf(String.Select(Quote), Number, Gen.Elements("true", "false", "null"));
        if (size <= 0)
        {
            return leaf;
        }

        return Gen.OneOf(
            leaf,
            leaf,
            Tree(size / 3).ListOf().Select(items => "[" + string.Join(",", items) + "]"),
            ObjectOf(size / 3));
    }

    private static Gen<string> ObjectOf(int size) =>
        Gen.Zip(Gen.OneOf(Gen.Elements(Keys), String), Tree(size))
            .ListOf()
            .Select(members => "{" + string.Join(",", members.Select(m => Quote(m.Item1) + ":" + m.Item2)) + "}");

    /// <summary>A JSON string literal; everything outside printable ASCII escaped, so any code unit survives.</summary>
    public static string Quote(string text)
    {
        var sb = new StringBuilder("\"");
        foreach (var c in text)
        {
            _ = c switch
            {
                '"' => sb.Append("\\\""),
                '\\' => sb.Append("\\\\"),
                >= ' ' and <= '~' => sb.Append(c),
                _ => sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"),
            };
        }

        return sb.Append('"').ToString();
    }
}
