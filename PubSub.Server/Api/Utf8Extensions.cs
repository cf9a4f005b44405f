namespace PubSub.Server.Api;

internal static class Utf8Extensions
{
    public static byte[] AsUtf8(this string text) => System.Text.Encoding.UTF8.GetBytes(text);
}
