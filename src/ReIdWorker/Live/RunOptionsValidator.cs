using Microsoft.Extensions.Options;

namespace ReIdWorker.Live;

/// <summary>
/// The start-up validation of <see cref="RunOptions"/> as an options validator, so the host refuses to
/// start with options that slipped past <see cref="RunConfiguration.Load"/> (it checks the same rules).
/// </summary>
public sealed class RunOptionsValidator : IValidateOptions<RunOptions>
{
    public ValidateOptionsResult Validate(string? name, RunOptions options)
    {
        var problems = RunConfiguration.Check(options);
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
