namespace PubSub.Cli;

/// <summary>Input the user got wrong that the parser cannot see (a JSON argument or line that is not JSON): exit 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
