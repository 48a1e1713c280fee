using Google.Protobuf;
using Onnx;

namespace ReId.Inference.Tests;

/// <summary>
/// Builds small ONNX models in tests with OnnxSharp's protobuf classes, for models that cannot be
/// downloaded here. Dimensions are ints (fixed) or strings (symbolic, i.e. dynamic).
/// </summary>
internal static class OnnxGraphBuilder
{
    public const int Opset = 13;

    public static ValueInfoProto Tensor(string name, TensorProto.Types.DataType type, params object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
            shape.Dim.Add(d switch
            {
                int v => new TensorShapeProto.Types.Dimension { DimValue = v },
                long v => new TensorShapeProto.Types.Dimension { DimValue = v },
                string p => new TensorShapeProto.Types.Dimension { DimParam = p },
                _ => throw new ArgumentException($"dimension {d} is neither a number nor a name"),
            });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }

    public static ValueInfoProto FloatTensor(string name, params object[] dims) =>
        Tensor(name, TensorProto.Types.DataType.Float, dims);

    /// <summary>
    /// A model whose output is the fixed <paramref name="values"/> of shape <paramref name="outputShape"/>,
    /// plus ReduceMean(input) x 0 so that the graph really consumes the tensor the detector feeds,
    /// as a real detector does (a wrong input shape or type fails the run).
    /// </summary>
    /// <param name="shapeKnownOnlyAtRunTime">
    /// Declare the output dims symbolic and reshape to them through a value computed from the input,
    /// so neither shape inference nor constant folding can tell the shape before a run (ORT reports
    /// an inferred shape instead of the declared one whenever it can).
    /// </param>
    public static ModelProto ConstantOutputModel(
        ValueInfoProto input, string outputName, long[] outputShape, float[] values,
        IReadOnlyDictionary<string, string>? metadata = null, bool shapeKnownOnlyAtRunTime = false)
    {
        if (values.Length != outputShape.Aggregate(1L, (a, b) => a * b))
            throw new ArgumentException($"{values.Length} values do not fill shape [{string.Join(",", outputShape)}]");

        var graph = new GraphProto { Name = "constant_head" };
        graph.Input.Add(input);
        graph.Output.Add(shapeKnownOnlyAtRunTime
            ? FloatTensor(outputName, outputShape.Select((_, i) => (object)$"d{i}").ToArray())
            : FloatTensor(outputName, outputShape.Cast<object>().ToArray()));

        string floatInput = input.Name;
        if (input.Type.TensorType.ElemType != (int)TensorProto.Types.DataType.Float)
        {
            floatInput = "input_as_float";
            graph.Node.Add(Node("Cast", [input.Name], [floatInput], IntAttribute("to", (int)TensorProto.Types.DataType.Float)));
        }
        graph.Node.Add(Node("Constant", [], ["head_values"], TensorAttribute("value", FloatTensorProto(outputShape, values))));
        graph.Node.Add(Node("Constant", [], ["zero"], TensorAttribute("value", FloatTensorProto([], [0f]))));
        graph.Node.Add(Node("ReduceMean", [floatInput], ["input_mean"], IntAttribute("keepdims", 0)));
        graph.Node.Add(Node("Mul", ["input_mean", "zero"], ["input_term"]));
        if (!shapeKnownOnlyAtRunTime)
        {
            graph.Node.Add(Node("Add", ["head_values", "input_term"], [outputName]));
        }
        else
        {
            graph.Node.Add(Node("Add", ["head_values", "input_term"], ["head_sum"]));
            graph.Node.Add(Node("Cast", ["input_term"], ["input_term_i64"], IntAttribute("to", (int)TensorProto.Types.DataType.Int64)));
            var shapeTensor = new TensorProto { DataType = (int)TensorProto.Types.DataType.Int64 };
            shapeTensor.Dims.Add(outputShape.Length);
            shapeTensor.Int64Data.AddRange(outputShape);
            graph.Node.Add(Node("Constant", [], ["declared_shape"], TensorAttribute("value", shapeTensor)));
            graph.Node.Add(Node("Add", ["declared_shape", "input_term_i64"], ["run_shape"]));
            graph.Node.Add(Node("Reshape", ["head_sum", "run_shape"], [outputName]));
        }

        var model = new ModelProto
        {
            IrVersion = 7,
            ProducerName = "ReId.Inference.Tests",
            Graph = graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        if (metadata is not null)
            foreach (var (k, v) in metadata)
                model.MetadataProps.Add(new StringStringEntryProto { Key = k, Value = v });
        return model;
    }

    public static string Save(ModelProto model, string directory, string fileName)
    {
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, fileName);
        File.WriteAllBytes(path, model.ToByteArray());
        return path;
    }

    private static NodeProto Node(string op, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = op + "_" + outputs[0] };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        return node;
    }

    private static TensorProto FloatTensorProto(long[] dims, float[] values)
    {
        var t = new TensorProto { DataType = (int)TensorProto.Types.DataType.Float };
        t.Dims.AddRange(dims);
        t.FloatData.AddRange(values);
        return t;
    }

    private static AttributeProto TensorAttribute(string name, TensorProto value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Tensor, T = value };

    private static AttributeProto IntAttribute(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };
}
