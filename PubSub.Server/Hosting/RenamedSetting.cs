namespace PubSub.Server.Hosting;

/// <summary>One configuration key renamed from <paramref name="OldKey"/> to <paramref name="NewKey"/> (<see cref="RenamedSettings"/>).</summary>
internal sealed record RenamedSetting(string OldKey, string NewKey)
{
    public bool OldIsSet(IConfiguration config) => config[OldKey] is not null;

    public bool NewIsSet(IConfiguration config) => config[NewKey] is not null;

    /// <summary>The old key's value when it is set and the new key is not; null otherwise (the binding of the new key stands).</summary>
    public T? OnlyOldValue<T>(IConfiguration config)
        where T : struct =>
        OldIsSet(config) && !NewIsSet(config) ? config.GetValue<T>(OldKey) : null;
}
