namespace ReId.Deploy.Tests;

/// <summary>Environment variables given to the worker: all REID__ settings of contract keys.</summary>
public static class EnvironmentChecks
{
    public static void CheckNames(string file, string at, IEnumerable<string> names, Problems problems)
    {
        foreach (var name in names)
        {
            if (ConfigContract.KeyOfEnvironmentVariable(name) is not { } key)
                problems.Add(file, $"{at} sets {name}: worker settings are REID__<Section>__<Key> variables (e.g. REID__Device); put other settings in the configuration file");
            else if (!ConfigContract.IsContractKey(key))
                problems.Add(file, $"{at} sets {name}, which maps to {key}, no key of the configuration contract: fix the name (sections are separated by a double underscore)");
        }
    }
}
