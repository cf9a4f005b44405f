namespace PubSub.Cli;

/// <summary>The documented exit codes (PROTOCOL.md §11).</summary>
internal static class ExitCodes
{
    public const int Done = 0;
    public const int ServerError = 1;
    public const int Usage = 2;
}
