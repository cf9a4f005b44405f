using Microsoft.Extensions.Options;

namespace PubSub.Client;

/// <summary>Checks <see cref="PubSubClientOptions"/>: names the setting and what is wrong.</summary>
internal sealed class PubSubClientOptionsValidator : IValidateOptions<PubSubClientOptions>
{
    public static readonly PubSubClientOptionsValidator Instance = new();

    public ValidateOptionsResult Validate(string? name, PubSubClientOptions options)
    {
        var errors = new List<string>();
        if (options.Urls.Count == 0)
        {
            errors.Add("PubSubClientOptions.Urls: give at least one node address (http://host:8000 or ws://host:8000/ws)");
        }

        foreach (var url in options.Urls)
        {
            if (!url.IsAbsoluteUri || url.Scheme is not ("http" or "https" or "ws" or "wss"))
            {
                errors.Add($"PubSubClientOptions.Urls: '{url}' is not an absolute http, https, ws or wss address");
            }
        }

        if (string.IsNullOrEmpty(options.ClientId))
        {
            errors.Add("PubSubClientOptions.ClientId must not be empty");
        }

        if (options.ReconnectDelay <= TimeSpan.Zero || options.MaxReconnectDelay < options.ReconnectDelay)
        {
            errors.Add("PubSubClientOptions.ReconnectDelay must be positive and at most MaxReconnectDelay");
        }

        if (options.ConnectTimeout <= TimeSpan.Zero || options.OperationTimeout <= TimeSpan.Zero)
        {
            errors.Add("PubSubClientOptions.ConnectTimeout and OperationTimeout must be positive");
        }

        if (options.HeartbeatTimeout < TimeSpan.Zero)
        {
            errors.Add("PubSubClientOptions.HeartbeatTimeout must be zero (off) or positive");
        }

        if (options.SubscriptionBufferCapacity < 1)
        {
            errors.Add("PubSubClientOptions.SubscriptionBufferCapacity must be at least 1");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Throws <see cref="OptionsValidationException"/> when <paramref name="options"/> are not valid.</summary>
    public static void ThrowIfInvalid(PubSubClientOptions options)
    {
        var result = Instance.Validate(null, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(PubSubClientOptions), result.Failures);
        }
    }
}
