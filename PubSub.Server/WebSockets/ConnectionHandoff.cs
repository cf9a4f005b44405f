using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;

namespace PubSub.Server.WebSockets;

/// <summary>
/// Lets a <c>/ws</c> session leave the HTTP request it was accepted on and run on the bare connection, so that the
/// request's state (Kestrel's <c>Http1Connection</c>, the header collections, the <c>HttpContext</c>, the request's
/// service scope, the middleware chain's suspended awaits: about half of what an idle connection cost) is freed
/// for the connection's life instead of held (docs/benchmarks.md, "Idle connections (round 2)").
/// </summary>
/// <remarks>
/// <para>Kestrel connection middleware. The HTTP layer is given a stand-in for the connection
/// (<see cref="HttpSide"/>) whose pipes pass straight through to the real ones, so the handshake request goes
/// through the whole pipeline as any other (forwarded headers, origin check, authentication, rate limiting,
/// routing, metrics) and the 101 is written by Kestrel as before. Once it is written, the endpoint calls
/// <see cref="IConnectionHandoffFeature.TryHandOff"/>: from then on the stand-in's pipes read end-of-stream and
/// swallow writes, the request completes, Kestrel's HTTP layer lets go of the stand-in, and this middleware runs
/// the session on the real connection. Nothing the HTTP layer left behind can reach the socket.</para>
/// <para>Why a stand-in rather than the real connection: the HTTP layer registers a heartbeat callback on the
/// connection that is never removed, which would keep the whole request state alive; the stand-in's relay is
/// cut at the hand-off.</para>
/// </remarks>
internal static class ConnectionHandoff
{
    public static async Task OnConnectionAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        Func<ConnectionContext, Task>? session;
        {
            var http = new HttpSide(connection);
            try
            {
                await next(http);
            }
            finally
            {
                http.EndHttp();
            }

            session = http.Session;
        }

        if (session is not null)
        {
            await session(connection);
        }
    }

    /// <summary>The connection as the HTTP layer sees it until a session takes it over.</summary>
    private sealed class HttpSide : ConnectionContext, IConnectionHandoffFeature, IConnectionHeartbeatFeature
    {
        private readonly ConnectionContext _real;
        private readonly PassThroughReader _input;
        private readonly PassThroughWriter _output;
        private readonly HeartbeatRelay _relay;
        private readonly DuplexPipe _pipe;
        private readonly Lock _lock = new();
        private (Action<object> Action, object State)[]? _heartbeat; // replaced, never changed: Tick reads it unlocked
        private bool _handedOff;

        public HttpSide(ConnectionContext real)
        {
            _real = real;
            _input = new PassThroughReader(real.Transport.Input);
            _output = new PassThroughWriter(real.Transport.Output);
            Transport = _pipe = new DuplexPipe(_input, _output);
            Features = new FeatureCollection(real.Features);
            Features.Set<IConnectionHeartbeatFeature>(this);
            Features.Set<IConnectionHandoffFeature>(this);
            _relay = new HeartbeatRelay(this);
        }

        public Func<ConnectionContext, Task>? Session { get; private set; }

        public override string ConnectionId { get => _real.ConnectionId; set => _real.ConnectionId = value; }

        public override IFeatureCollection Features { get; }

        public override IDictionary<object, object?> Items { get => _real.Items; set => _real.Items = value; }

        public override IDuplexPipe Transport { get; set; }

        public override CancellationToken ConnectionClosed { get => _real.ConnectionClosed; set => _real.ConnectionClosed = value; }

        public override EndPoint? LocalEndPoint { get => _real.LocalEndPoint; set => _real.LocalEndPoint = value; }

        public override EndPoint? RemoteEndPoint { get => _real.RemoteEndPoint; set => _real.RemoteEndPoint = value; }

        public bool TryHandOff(Func<ConnectionContext, Task> session)
        {
            lock (_lock)
            {
                // A read still open on the transport would let the HTTP layer take the session's first bytes. A transport
                // replaced by middleware after this one (TLS) is not the one the session could run on.
                if (_handedOff || !ReferenceEquals(Transport, _pipe) || !_input.TryDetach())
                {
                    return false;
                }

                _output.Detach();
                _handedOff = true;
                Session = session;
                _heartbeat = null;
                return true;
            }
        }

        public override void Abort(ConnectionAbortedException abortReason)
        {
            if (!Volatile.Read(ref _handedOff))
            {
                _real.Abort(abortReason);
            }
        }

        public void OnHeartbeat(Action<object> action, object state)
        {
            lock (_lock)
            {
                if (_handedOff)
                {
                    return;
                }

                if (_heartbeat is null)
                {
                    _real.Features.Get<IConnectionHeartbeatFeature>()?.OnHeartbeat(static s => ((HeartbeatRelay)s).Tick(), _relay);
                }

                _heartbeat = [.. _heartbeat ?? [], (action, state)];
            }
        }

        /// <summary>The HTTP layer is done with the connection: its callbacks no longer run.</summary>
        public void EndHttp()
        {
            lock (_lock)
            {
                _heartbeat = null;
                _relay.Target = null;
            }
        }

        private void Tick()
        {
            foreach (var (action, state) in Volatile.Read(ref _heartbeat) ?? [])
            {
                action(state);
            }
        }

        // What the real connection keeps registered for its whole life: this, cut loose from the HTTP side when it ends.
        private sealed class HeartbeatRelay(HttpSide target)
        {
            public HttpSide? Target { get; set; } = target;

            public void Tick() => Target?.Tick();
        }
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }

    /// <summary>The real input until the hand-off, then an ended stream; a completion after it is not passed on.</summary>
    private sealed class PassThroughReader(PipeReader real) : PipeReader
    {
        private readonly Lock _lock = new();
        private bool _reading; // between a read and its AdvanceTo
        private bool _detached;

        public bool TryDetach()
        {
            lock (_lock)
            {
                if (_reading)
                {
                    return false;
                }

                _detached = true;
                return true;
            }
        }

        public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
        {
            lock (_lock)
            {
                if (_detached)
                {
                    return new ValueTask<ReadResult>(new ReadResult(default, isCanceled: false, isCompleted: true));
                }

                _reading = true;
            }

            return real.ReadAsync(cancellationToken);
        }

        public override bool TryRead(out ReadResult result)
        {
            lock (_lock)
            {
                if (_detached)
                {
                    result = new ReadResult(default, isCanceled: false, isCompleted: true);
                    return true;
                }

                if (!real.TryRead(out result))
                {
                    return false;
                }

                _reading = true;
                return true;
            }
        }

        public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
        {
            lock (_lock)
            {
                if (_detached)
                {
                    return; // the ended stream's empty buffer
                }

                _reading = false;
                real.AdvanceTo(consumed, examined);
            }
        }

        public override void CancelPendingRead()
        {
            if (!Volatile.Read(ref _detached))
            {
                real.CancelPendingRead();
            }
        }

        public override void Complete(Exception? exception = null)
        {
            if (!Volatile.Read(ref _detached))
            {
                real.Complete(exception);
            }
        }
    }

    /// <summary>The real output until the hand-off, then a sink: the HTTP layer's last words never reach the socket.</summary>
    private sealed class PassThroughWriter(PipeWriter real) : PipeWriter
    {
        private volatile bool _detached;
        private byte[] _sink = [];

        public void Detach() => _detached = true;

        public override bool CanGetUnflushedBytes => !_detached && real.CanGetUnflushedBytes;

        public override long UnflushedBytes => _detached ? 0 : real.UnflushedBytes;

        public override Memory<byte> GetMemory(int sizeHint = 0) => _detached ? Sink(sizeHint) : real.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => _detached ? Sink(sizeHint).Span : real.GetSpan(sizeHint);

        public override void Advance(int bytes)
        {
            if (!_detached)
            {
                real.Advance(bytes);
            }
        }

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) =>
            _detached ? new ValueTask<FlushResult>(new FlushResult(isCanceled: false, isCompleted: true)) : real.FlushAsync(cancellationToken);

        public override void CancelPendingFlush()
        {
            if (!_detached)
            {
                real.CancelPendingFlush();
            }
        }

        public override void Complete(Exception? exception = null)
        {
            if (!_detached)
            {
                real.Complete(exception);
            }
        }

        private Memory<byte> Sink(int sizeHint)
        {
            if (_sink.Length < Math.Max(sizeHint, 256))
            {
                _sink = new byte[Math.Max(sizeHint, 256)];
            }

            return _sink;
        }
    }
}
