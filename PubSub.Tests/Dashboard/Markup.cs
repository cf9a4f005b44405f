using AngleSharp.Dom;
using Bunit;
using Microsoft.AspNetCore.Components;

namespace PubSub.Tests.Dashboard;

/// <summary>Finding MudBlazor controls the way people (and Playwright) do: by their label or their text.</summary>
internal static class Markup
{
    /// <summary>The input or textarea whose &lt;label&gt; reads exactly <paramref name="label"/>.</summary>
    public static IElement FindByLabel<T>(this IRenderedComponent<T> cut, string label)
        where T : IComponent
    {
        var element = cut.FindAll("label").FirstOrDefault(l => l.TextContent.Trim() == label)
            ?? throw new Xunit.Sdk.XunitException($"no label \"{label}\" in the markup");
        var id = element.GetAttribute("for") ?? throw new Xunit.Sdk.XunitException($"label \"{label}\" has no for=");
        return cut.Find($"#{id}");
    }

    /// <summary>The button whose text reads exactly <paramref name="text"/>.</summary>
    public static IElement FindButton<T>(this IRenderedComponent<T> cut, string text)
        where T : IComponent =>
        cut.FindAll("button").FirstOrDefault(b => b.TextContent.Trim() == text)
            ?? throw new Xunit.Sdk.XunitException($"no button \"{text}\" in the markup");

    /// <summary>Clicks a button by its text, on the renderer's thread: a live component may redraw between a find and a click.</summary>
    public static Task ClickAsync<T>(this IRenderedComponent<T> cut, string text)
        where T : IComponent => cut.InvokeAsync(() => cut.FindButton(text).Click());

    /// <summary>Clicks the element matching <paramref name="selector"/>, on the renderer's thread.</summary>
    public static Task ClickOnAsync<T>(this IRenderedComponent<T> cut, string selector)
        where T : IComponent => cut.InvokeAsync(() => cut.Find(selector).Click());

    /// <summary>Types into a labelled field (an input event), on the renderer's thread.</summary>
    public static Task InputAsync<T>(this IRenderedComponent<T> cut, string label, string value)
        where T : IComponent => cut.InvokeAsync(() => cut.FindByLabel(label).Input(value));

    /// <summary>Submits the component's form, on the renderer's thread.</summary>
    public static Task SubmitAsync<T>(this IRenderedComponent<T> cut)
        where T : IComponent => cut.InvokeAsync(() => cut.Find("form").Submit());
}
