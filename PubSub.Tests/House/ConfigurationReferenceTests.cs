using System.Collections;
using System.Reflection;
using System.Text.RegularExpressions;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.House;

/// <summary>
/// README's configuration reference says what the code binds: every key an options class binds has its row, and every
/// row's key is one the code reads (bound, read directly, or a deprecated alias), with the default the code has where
/// the row gives one as a value. A key added without its row, a row left behind by a rename, or a default changed on
/// one side only, fails here.
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
    public void A_rows_default_is_the_options_class_default()
    {
        var defaults = BoundDefaults();
        var compared = 0;
        var wrong = new List<string>();
        foreach (Match row in ReadmeRow().Matches(File.ReadAllText(Path.Combine(Repository.RequiredRoot, "README.md"))))
        {
            var keys = RowKeys(row).ToList();
            var cell = DefaultCell().Match(row.Groups["rest"].Value) is { Success: true } next ? next.Groups["cell"].Value : "";
            var given = Backticked().Matches(cell).Select(m => m.Groups[1].Value).ToList();
            foreach (var (key, text) in keys.Zip(given))
            {
                if (defaults.TryGetValue(key, out var value) && Format(value) is { } expected && IsLiteral(text))
                {
                    compared++;
                    if (text != expected)
                    {
                        wrong.Add($"{key}: README says {text}, the code's default is {expected}");
                    }
                }
            }
        }

        Assert.True(compared > 30, $"only {compared} defaults compared: the scan is not seeing the table");
        Assert.True(wrong.Count == 0, "README's defaults and the code's differ:\n" + string.Join("\n", wrong));
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

    /// <summary>Every key the options classes bind whose default is a plain value, with that value (a new options object's).</summary>
    private static Dictionary<string, object> BoundDefaults()
    {
        var defaults = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (type, section) in OptionsClasses())
        {
            Collect(Activator.CreateInstance(type)!, section);
        }

        return defaults;

        void Collect(object options, string prefix)
        {
            foreach (var property in options.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod?.IsPublic == true))
            {
                var value = property.GetValue(options);
                if (value is not null && IsSection(value.GetType()))
                {
                    Collect(value, $"{prefix}:{property.Name}");
                }
                else if (value is not null)
                {
                    defaults[$"{prefix}:{property.Name}"] = value;
                }
            }
        }
    }

    // How README writes a default: numbers plain, spans as hh:mm:ss, flags lowercase, enums by name.
    private static string? Format(object value) => value switch
    {
        int or long or double => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture),
        TimeSpan span => span.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
        bool flag => flag ? "true" : "false",
        Enum => value.ToString(),
        _ => null,
    };

    // A default written as a value (not "none", "unset" or a sentence).
    private static bool IsLiteral(string text) => Literal().IsMatch(text);

    /// <summary>Every key the options classes bind, <c>:N</c> standing for a list's index.</summary>
    private static IEnumerable<string> BoundKeys() =>
        OptionsClasses().SelectMany(t => Keys(t.Type, t.Section));

    private static IEnumerable<(Type Type, string Section)> OptionsClasses() =>
        new[] { typeof(PubSub.Core.PubSubBroker).Assembly, typeof(PubSub.Server.Hosting.PubSubServer).Assembly }
            .SelectMany(a => a.GetTypes())
            .Select(t => (Type: t, Section: t.GetField("SectionName", BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue() as string))
            .Where(t => t.Section is not null && t.Type.IsClass)
            .Select(t => (t.Type, t.Section!));

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
            keys.UnionWith(RowKeys(row));
        }

        return keys;
    }

    /// <summary>A row's first key, then its companions, in the order the row names them.</summary>
    private static IEnumerable<string> RowKeys(Match row)
    {
        var first = ListIndex().Replace(row.Groups["key"].Value, ":N");
        var section = first.EndsWith(":N", StringComparison.Ordinal) ? first[..first.LastIndexOf(":N", StringComparison.Ordinal)] : first;
        section = section[..section.LastIndexOf(':')];
        yield return first;
        foreach (var companion in row.Groups["companion"].Captures.Select(c => ListIndex().Replace(c.Value, ":N")))
        {
            yield return companion.StartsWith("…:", StringComparison.Ordinal) ? section + companion[1..] : $"{section}:{companion}";
        }
    }

    [GeneratedRegex(@"^\| `(?<key>PubSub:[A-Za-z0-9:*]+)`(?:, `(?<companion>(?:…:)?[A-Za-z0-9:]+)`)*(?<rest>[^\n]*)", RegexOptions.Multiline)]
    private static partial Regex ReadmeRow();

    // The rest of a row after its first cell: the default cell.
    [GeneratedRegex(@"^ \| (?<cell>[^|]*)\|")]
    private static partial Regex DefaultCell();

    [GeneratedRegex(@"`([^`]+)`")]
    private static partial Regex Backticked();

    [GeneratedRegex(@"^(?:-?[0-9]+(?:\.[0-9]+)?|[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?|true|false|[A-Z][A-Za-z]+)$")]
    private static partial Regex Literal();

    [GeneratedRegex(@":[NM](?=:|$)")]
    private static partial Regex ListIndex();
}
