namespace PubSub.Core.Engine.Redis;

/// <summary>
/// The highest seq a node has seen of a topic's current life (published or received): with it, the publish script
/// notices a store that is behind (PROTOCOL.md §8: a seq names one message for ever within an epoch).
/// </summary>
internal sealed class SeenMark
{
    private string _epoch = "";
    private string? _superseded;
    private long _seq;

    public (string Epoch, long Seq) Read()
    {
        lock (this)
        {
            return (_epoch, _seq);
        }
    }

    public void Raise(string epoch, long seq)
    {
        lock (this)
        {
            if (epoch == _epoch)
            {
                _seq = Math.Max(_seq, seq);
            }
            else if (epoch != _superseded)
            {
                // A new life (created again, or reset): late news of the one it replaced must not bring it back.
                _superseded = _epoch;
                _epoch = epoch;
                _seq = seq;
            }
        }
    }
}
