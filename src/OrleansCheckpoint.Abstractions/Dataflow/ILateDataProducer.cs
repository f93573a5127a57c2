namespace OrleansCheckpoint.Dataflow;

/// <summary>A window that routes its records later than its allowed lateness to a side output of its input type.</summary>
/// <typeparam name="T">The window's input record type.</typeparam>
internal interface ILateDataProducer<T> : ISideOutputProducer
{
    /// <summary>The tag declared with <c>SideOutputLateData</c>, or null.</summary>
    OutputTag<T>? LateDataTag { get; }

    /// <summary>The side output made for <see cref="LateDataTag"/> when the job reads it.</summary>
    SideOutputTransformation<T>? LateDataOutput { get; set; }
}
