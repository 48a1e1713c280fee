using Xunit.Abstractions;
using Xunit.Sdk;

namespace ReId.Gallery.Tests;

/// <summary>
/// A fact declared once on an abstract suite and run by every subclass, which the subclass can turn
/// into a reported skip with <see cref="SkipUnlessEnvironmentAttribute"/>. A plain <c>[Fact(Skip=...)]</c>
/// cannot do that: its arguments are fixed where the method is declared, in the shared base class.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
[XunitTestCaseDiscoverer("ReId.Gallery.Tests.GalleryFactDiscoverer", "ReId.Gallery.Tests")]
public sealed class GalleryFactAttribute : FactAttribute;

/// <summary>The suite needs an external server whose address this environment variable gives.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class SkipUnlessEnvironmentAttribute(string variable, string reason) : Attribute
{
    public string Variable { get; } = variable;
    public string Reason { get; } = reason;
}

public sealed class GalleryFactDiscoverer(IMessageSink diagnosticMessageSink) : FactDiscoverer(diagnosticMessageSink)
{
    protected override IXunitTestCase CreateTestCase(
        ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute) =>
        new GalleryTestCase(
            DiagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(),
            discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod);
}

public sealed class GalleryTestCase : XunitTestCase
{
    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public GalleryTestCase()
    {
    }

    public GalleryTestCase(
        IMessageSink diagnosticMessageSink, TestMethodDisplay defaultMethodDisplay,
        TestMethodDisplayOptions defaultMethodDisplayOptions, ITestMethod testMethod)
        : base(diagnosticMessageSink, defaultMethodDisplay, defaultMethodDisplayOptions, testMethod)
    {
    }

    protected override string GetSkipReason(IAttributeInfo factAttribute)
    {
        foreach (IAttributeInfo needs in TestMethod.TestClass.Class.GetCustomAttributes(typeof(SkipUnlessEnvironmentAttribute)))
        {
            object[] arguments = needs.GetConstructorArguments().ToArray();
            if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable((string)arguments[0])))
                return (string)arguments[1];
        }
        return base.GetSkipReason(factAttribute);
    }
}
