using System.Globalization;
using OrleansCheckpoint.Cli.Output;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace OrleansCheckpoint.Cli.Push;

/// <summary>A progress bar of a push (events pushed, events/s), drawn only on an interactive terminal without <c>--json</c>.</summary>
internal static class PushProgress
{
    /// <summary>Runs <paramref name="push"/>, handing it the callback that advances the bar (<c>null</c> when none is drawn).</summary>
    /// <param name="output">Where to draw.</param>
    /// <param name="description">What is pushed where (short: the bar shares a line with it).</param>
    /// <param name="total">How many events will be pushed, if known; otherwise a spinner replaces the bar.</param>
    /// <param name="push">The push.</param>
    public static async Task<T> RunAsync<T>(ConsoleOutput output, string description, long? total, Func<Action<int>?, Task<T>> push)
    {
        if (!output.Interactive)
        {
            return await push(null);
        }

        ProgressColumn[] columns = total is null
            ? [new TaskDescriptionColumn(), new SpinnerColumn(), new EventsColumn(), new ElapsedTimeColumn()]
            : [new TaskDescriptionColumn(), new ProgressBarColumn { Width = 20 }, new PercentageColumn(), new EventsColumn(), new ElapsedTimeColumn()];
        return await output.Ansi.Progress()
            .AutoClear(false)
            .Columns(columns)
            .StartAsync(async context =>
            {
                var task = context.AddTask(Markup.Escape(description), maxValue: total ?? long.MaxValue);
                task.IsIndeterminate = total is null;
                try
                {
                    return await push(accepted => task.Increment(accepted));
                }
                finally
                {
                    task.StopTask();
                }
            });
    }

    /// <summary>Events pushed so far and the current rate.</summary>
    private sealed class EventsColumn : ProgressColumn
    {
        protected override bool NoWrap => true;

        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            new Text(string.Create(CultureInfo.InvariantCulture, $"{task.Value:N0} events, {task.Speed ?? 0:N0}/s"));
    }
}
