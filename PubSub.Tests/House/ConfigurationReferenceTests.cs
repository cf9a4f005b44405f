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
    // Read from configuration directly, not through an options class (ServerOptionsBehaviourTests shows it is read).
    private static readonly string[] ReadDirectly = [PubSub.Server.Hosting.PubSubServer.InlineSchedulingKey];

    [Fact]
    public void Every_bound_key_has_a_row_and_every_row_names_a_key_the_code_reads()
    {
        var bound = BoundSettings().Keys.ToHashSet(StringComparer.Ordinal);
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
        var defaults = BoundSettings();
        var compared = 0;
        var wrong = new List<string>();
        foreach (Match row in ReadmeRow().Matches(File.ReadAllText(Path.Combine(Repository.RequiredRoot, "README.md"))))
        {
            var keys = RowKeys(row).ToList();
            var cell = DefaultCell().Match(row.Groups["rest"].Value) is { Success: true } next ? next.Groups["cell"].Value : "";
            var given = Backticked().Matches(cell).Select(m => m.Groups[1].Value).ToList();
            foreach (var (key, text) in keys.Zip(given))
            {
                if (defaults.TryGetValue(key, out var value) && value is not null && Format(value) is { } expected && IsLiteral(text))
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

    /// <summary>
    /// Every key the options classes bind, <c>:N</c> standing for a list's index, with its default (a new options
    /// object's value; null for a list's items and for a setting without one).
    /// </summary>
    private static Dictionary<string, object?> BoundSettings()
    {
        var settings = new Dictionary<string, object?>(StringComparer.Ordinal);
        var sections = new[] { typeof(PubSub.Core.PubSubBroker).Assembly, typeof(PubSub.Server.Hosting.PubSubServer).Assembly }
            .SelectMany(a => a.GetTypes())
            .Select(t => (Type: t, Section: t.GetField("SectionName", BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue() as string))
            .Where(t => t.Section is not null && t.Type.IsClass);
        foreach (var (type, section) in sections)
        {
            Walk(type, Activator.CreateInstance(type), section!);
        }

        return settings;

        void Walk(Type options, object? instance, string prefix)
        {
            foreach (var property in options.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod?.IsPublic == true))
            {
                var key = $"{prefix}:{property.Name}";
                var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
                var value = instance is null ? null : property.GetValue(instance);
                if (IsSection(type))
                {
                    Walk(type, value, key);
                }
                else if (type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type) && type.IsGenericType)
                {
                    var item = type.GetGenericArguments()[0];
                    if (IsSection(item))
                    {
                        Walk(item, null, key + ":N");
                    }
                    else
                    {
                        settings[key + ":N"] = null;
                    }
                }
                else
                {
                    settings[key] = value;
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
