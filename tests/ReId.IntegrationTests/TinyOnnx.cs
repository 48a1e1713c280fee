using Google.Protobuf;
using Onnx;

namespace ReId.IntegrationTests;

/// <summary>Small ONNX graphs built in the test, for models that are valid ONNX but wrong for the job.</summary>
public static class TinyOnnx
{
    /// <summary>A valid model whose input is a 1-channel image: loadable, but no embedder.</summary>
    public static void WriteSingleChannelModel(string path)
    {
        var graph = new GraphProto { Name = "gray" };
        graph.Input.Add(Value("image", 1, 1, 64, 32));
        graph.Output.Add(Value("pooled", 1, 1, 1, 1));
        graph.Node.Add(new NodeProto { OpType = "GlobalAveragePool", Input = { "image" }, Output = { "pooled" } });
        var model = new ModelProto { IrVersion = 8, Graph = graph, ProducerName = "reid-tests" };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        File.WriteAllBytes(path, model.ToByteArray());
    }

    private static ValueInfoProto Value(string name, params long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }
}
