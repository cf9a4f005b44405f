using System.Text.RegularExpressions;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.House;

/// <summary>
/// The house rules a newcomer relies on to find their room (docs/architecture.md, "House rules"): in the product's
/// projects one top-level type per file, named after it; in every project a file over 400 lines says why in a sentence.
/// </summary>
public sealed partial class SourceLayoutTests
{
    private const int MaxLines = 400;

    private static readonly string[] ProductProjects = ["PubSub.Core", "PubSub.Server", "PubSub.Dashboard", "PubSub.Client", "PubSub.Cli", "PubSub.Bench"];

    [Fact]
    public void Each_product_source_file_declares_one_top_level_type_named_as_the_file()
    {
        var files = ProductProjects.SelectMany(SourceFiles).Where(f => f.EndsWith(".cs", StringComparison.Ordinal)).ToList();
        Assert.True(files.Count > 300, $"only {files.Count} source files found: the scan is not seeing them");

        var wrong = new List<string>();
        foreach (var file in files)
        {
            var types = TopLevelType().Matches(File.ReadAllText(file)).Select(m => m.Groups["name"].Value).ToList();
            var expected = Path.GetFileName(file).Split('.')[0]; // PubSubBroker.InputRules.cs: a part of PubSubBroker
            if (types.Count > 1 || (types.Count == 1 && types[0] != expected))
            {
                wrong.Add($"{Relative(file)}: {string.Join(", ", types)}");
            }
        }

        Assert.True(wrong.Count == 0, "files that break one type per file, named after it:\n" + string.Join("\n", wrong));
    }

    [Fact]
    public void A_source_file_over_400_lines_says_why()
    {
        var files = ProductProjects.Append("PubSub.Tests").SelectMany(SourceFiles).ToList();
        var silent = files
            .Select(file => (File: file, Text: File.ReadAllText(file)))
            .Where(f => f.Text.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n').Length > MaxLines && !SaysWhy().IsMatch(f.Text))
            .Select(f => Relative(f.File))
            .ToList();

        Assert.True(silent.Count == 0, $"files over {MaxLines} lines without a sentence saying why (\"Over 400 lines because ...\"):\n" + string.Join("\n", silent));
    }

    private static IEnumerable<string> SourceFiles(string project)
    {
        var root = Path.Combine(Repository.RequiredRoot, project);
        var separator = Path.DirectorySeparatorChar;
        return Directory.EnumerateFiles(root, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".razor", StringComparison.Ordinal))
            .Where(f => !f.Contains($"{separator}bin{separator}", StringComparison.Ordinal) && !f.Contains($"{separator}obj{separator}", StringComparison.Ordinal));
    }

    private static string Relative(string file) => Path.GetRelativePath(Repository.RequiredRoot, file);

    // A type declared at the start of a line: the files use file-scoped namespaces, so nested types are indented.
    [GeneratedRegex(@"^(?:(?:public|internal|file|sealed|static|abstract|readonly|partial|ref|unsafe)\s+)*(?:class|struct|interface|enum|record(?:\s+(?:class|struct))?)\s+(?<name>\w+)", RegexOptions.Multiline)]
    private static partial Regex TopLevelType();

    [GeneratedRegex(@"\b400\b[^\n]*\b(?:lines|because|on purpose)", RegexOptions.IgnoreCase)]
    private static partial Regex SaysWhy();
}
