namespace OrleansCheckpoint.Client; internal static class Program { private static void Main() { } }
