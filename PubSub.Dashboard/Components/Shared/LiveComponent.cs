using Microsoft.AspNetCore.Components;

namespace PubSub.Dashboard.Components.Shared;

/// <summary>
/// A component that redraws on a timer, a few times a second, however fast the broker changes: it reads
/// snapshots in <see cref="RefreshAsync"/> and renders once per tick, never once per message. The timer starts
/// after the first render (so only in a live circuit) and stops on dispose.
/// </summary>
public abstract class LiveComponent : ComponentBase, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private bool _disposed;

    [Inject]
    protected TimeProvider Time { get; set; } = default!;

    /// <summary>Time between redraws. Default 250 ms.</summary>
    protected virtual TimeSpan RefreshInterval => TimeSpan.FromMilliseconds(250);

    /// <summary>Cancelled when the component goes.</summary>
    protected CancellationToken Stopping => _stopping.Token;

    /// <summary>Reads fresh data; return false when nothing changed so the tick skips its render.</summary>
    protected abstract Task<bool> RefreshAsync();

    protected override void OnAfterRender(bool firstRender)
    {
        if (firstRender)
        {
            _ = RunTimerAsync();
        }
    }

    private async Task RunTimerAsync()
    {
        using var timer = new PeriodicTimer(RefreshInterval, Time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token))
            {
                await InvokeAsync(async () =>
                {
                    if (!_disposed && await RefreshAsync())
                    {
                        StateHasChanged();
                    }
                });
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed.
        }
        catch (ObjectDisposedException)
        {
            // The circuit went.
        }
        catch (Exception ex)
        {
            // A failure on a timer tick is the component's failure, as if thrown from a lifecycle method:
            // Blazor logs it and shows its error UI instead of the page silently freezing.
            await DispatchExceptionAsync(ex);
        }
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _stopping.Cancel();
        _stopping.Dispose();
    }
}
