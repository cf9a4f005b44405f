using System.Collections;
using System.Reflection;
using System.Text.RegularExpressions;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.House;

/// <summary>
/// README's configuration reference says what the code binds: every key an options class binds has its row, and every
/// row's key is one the code reads (bound, read directly, or a deprecated alias). A key added without its row, or a row
/// left behind by a rename, fails here.
/// </summary>
public sealed partial class ConfigurationReferenceTests
{
    // Read from configuration directly, not through an options class: each is checked to be in the server's source.
    private static readonly string[] ReadDirectly = [PubSub.Server.Hosting.PubSubServer.InlineSchedulingKey];

    [Fact]
    public void Every_bound_key_has_a_row_and_every_row_names_a_key_the_code_reads()
    {
        var bound = BoundKeys().ToHashSet(StringComparer.Ordinal);
        Assert.Contains("PubSub:Queue:Capacity", bound); // the scan sees nested sections
        Assert.Contains("PubSub:Auth:Keys:N:Name", bound); // and lists of sections

        var deprecated = PubSub.Server.Hosting.RenamedSettings.All.Select(r => r.OldKey);
        var read = bound.Concat(ReadDirectly).Concat(deprecated).ToHashSet(StringComparer.Ordinal);
        var rows = ReadmeRows();

        var undocumented = bound.Where(key => !rows.Contains(key)).Order(StringComparer.Ordinal).ToList();
        var stale = rows.Where(key => !read.Contains(key) && !key.EndsWith(":*", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        Assert.True(
            undocumented.Count == 0 && stale.Count == 0,
            $"README's configuration reference and the code disagree.\nBound but without a row: {string.Join(", ", undocumented)}\n" +
            $"A row the code does not read: {string.Join(", ", stale)}");
    }

    [Fact]
    public void The_keys_read_directly_are_in_the_servers_source()
    {
        var source = Directory.EnumerateFiles(Path.Combine(Repository.RequiredRoot, "PubSub.Server"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal))
            .Select(File.ReadAllText)
            .ToList();
        Assert.All(ReadDirectly, key => Assert.Contains(source, text => text.Contains($"\"{key}\"", StringComparison.Ordinal)));
    }

    /// <summary>Every key the options classes bind, <c>:N</c> standing for a list's index.</summary>
    private static IEnumerable<string> BoundKeys() =>
        new[] { typeof(PubSub.Core.PubSubBroker).Assembly, typeof(PubSub.Server.Hosting.PubSubServer).Assembly }
            .SelectMany(a => a.GetTypes())
            .Select(t => (Type: t, Section: t.GetField("SectionName", BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue() as string))
            .Where(t => t.Section is not null && t.Type.IsClass)
            .SelectMany(t => Keys(t.Type, t.Section!));

    private static IEnumerable<string> Keys(Type options, string prefix)
    {
        foreach (var property in options.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod?.IsPublic == true))
        {
            var key = $"{prefix}:{property.Name}";
            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (IsSection(type))
            {
                foreach (var nested in Keys(type, key))
                {
                    yield return nested;
                }
            }
            else if (type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type) && type.IsGenericType)
            {
                var item = type.GetGenericArguments()[0];
                if (IsSection(item))
                {
                    foreach (var nested in Keys(item, key + ":N"))
                    {
                        yield return nested;
                    }
                }
                else
                {
                    yield return key + ":N";
                }
            }
            else
            {
                yield return key;
            }
        }
    }

    // A class of the product's own with settable properties is a section of its own (PubSub:Queue, PubSub:Auth:Keys:N).
    private static bool IsSection(Type type) => type.IsClass && type != typeof(string) && type.Namespace?.StartsWith("PubSub.", StringComparison.Ordinal) == true;

    /// <summary>
    /// The keys of README's table rows (<c>| `PubSub:…` |</c>), each list index (N, M) as <c>:N</c>. A row's first cell
    /// may name companions of its first key: a sibling by its name (<c>`ReadBurst`</c>) or a key of the same section
    /// (<c>`…:KnownNetworks:N`</c>).
    /// </summary>
    private static HashSet<string> ReadmeRows()
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match row in ReadmeRow().Matches(File.ReadAllText(Path.Combine(Repository.RequiredRoot, "README.md"))))
        {
            var first = ListIndex().Replace(row.Groups["key"].Value, ":N");
            var section = first.EndsWith(":N", StringComparison.Ordinal) ? first[..first.LastIndexOf(":N", StringComparison.Ordinal)] : first;
            section = section[..section.LastIndexOf(':')];
            keys.Add(first);
            foreach (var companion in row.Groups["companion"].Captures.Select(c => ListIndex().Replace(c.Value, ":N")))
            {
                keys.Add(companion.StartsWith("…:", StringComparison.Ordinal) ? section + companion[1..] : $"{section}:{companion}");
            }
        }

        return keys;
    }

    [GeneratedRegex(@"^\| `(?<key>PubSub:[A-Za-z0-9:*]+)`(?:, `(?<companion>(?:…:)?[A-Za-z0-9:]+)`)*", RegexOptions.Multiline)]
    private static partial Regex ReadmeRow();

    [GeneratedRegex(@":[NM](?=:|$)")]
    private static partial Regex ListIndex();
}
