namespace ReIdTrainer.Cli;

/// <summary>
/// A failure the user can act on. The message is one line naming the input and the fix; it is all
/// the user sees unless they pass --verbose.
/// </summary>
public class TrainerException(string message, Exception? inner = null) : Exception(message, inner);
