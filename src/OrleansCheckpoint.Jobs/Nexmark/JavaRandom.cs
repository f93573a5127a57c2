namespace OrleansCheckpoint.Jobs.Nexmark;

/// <summary>
/// The pseudo-random generator of <c>java.util.Random</c> (a 48-bit linear congruential generator), bit for bit,
/// so that the Nexmark generator draws the same numbers from the same seeds as the reference. A struct: the
/// generator seeds one per event, on the stack.
/// </summary>
internal struct JavaRandom
{
    private const long Multiplier = 0x5DEECE66DL;
    private const long Addend = 0xBL;
    private const long Mask = (1L << 48) - 1;
    private long _seed;

    public JavaRandom(long seed) => _seed = (seed ^ Multiplier) & Mask;

    /// <summary>A uniform int over its whole range (<c>nextInt()</c>).</summary>
    public int NextInt() => Next(32);

    /// <summary>A uniform int in [0, <paramref name="bound"/>) (<c>nextInt(bound)</c>).</summary>
    public int NextInt(int bound)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bound);
        var r = Next(31);
        var m = bound - 1;
        if ((bound & m) == 0)
        {
            return (int)((bound * (long)r) >> 31);
        }

        for (var u = r; u - (r = u % bound) + m < 0; u = Next(31))
        {
        }

        return r;
    }

    /// <summary>A uniform long (<c>nextLong()</c>).</summary>
    public long NextLong() => ((long)Next(32) << 32) + Next(32);

    /// <summary>A uniform double in [0, 1) (<c>nextDouble()</c>).</summary>
    public double NextDouble() => (((long)Next(26) << 27) + Next(27)) * (1.0 / (1L << 53));

    private int Next(int bits)
    {
        _seed = ((_seed * Multiplier) + Addend) & Mask;
        return (int)(_seed >>> (48 - bits));
    }
}
