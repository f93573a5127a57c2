namespace OrleansCheckpoint.Runtime.State;

/// <summary>The size of one restored table: its entries and the key groups that hold them.</summary>
/// <param name="Table">The table's name within its operator.</param>
/// <param name="Entries">How many entries it holds.</param>
/// <param name="KeyGroups">How many key groups hold entries.</param>
/// <param name="FirstKeyGroup">The lowest key group with entries, if any.</param>
/// <param name="LastKeyGroup">The highest key group with entries, if any.</param>
/// <param name="UndecodedBytes">For a section kept encoded (its value type unknown offline): its size; null when decoded.</param>
internal sealed record StateTableView(string Table, long Entries, int KeyGroups, int? FirstKeyGroup, int? LastKeyGroup, long? UndecodedBytes = null);
