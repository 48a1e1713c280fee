using Onnx;

namespace ReIdTrainer.Onnx;

/// <summary>
/// Appends nodes and float initializers to an ONNX graph, naming every tensor after the node that
/// produces it so a failing node in ONNX Runtime points back at the layer.
/// </summary>
public sealed class OnnxGraphBuilder(GraphProto graph)
{
    public GraphProto Graph { get; } = graph;

    public string Initializer(string name, float[] values, params long[] dims)
    {
        long count = dims.Aggregate(1L, (a, d) => a * d);
        if (count != values.Length)
            throw new ArgumentException($"initializer '{name}' has {values.Length} values for shape [{string.Join(",", dims)}]");
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        t.Dims.AddRange(dims);
        t.FloatData.AddRange(values);
        Graph.Initializer.Add(t);
        return name;
    }

    public string Node(string opType, string name, IEnumerable<string> inputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { Name = name, OpType = opType, Output = { name } };
        node.Input.AddRange(inputs);
        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
        return name;
    }

    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    public static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static TypeProto FloatTensor(params TensorShapeProto.Types.Dimension[] dims) => new()
    {
        TensorType = new TypeProto.Types.Tensor
        {
            ElemType = (int)TensorProto.Types.DataType.Float,
            Shape = new TensorShapeProto { Dim = { dims } },
        },
    };

    public static TensorShapeProto.Types.Dimension Dim(long value) => new() { DimValue = value };

    public static TensorShapeProto.Types.Dimension Dim(string param) => new() { DimParam = param };
}
