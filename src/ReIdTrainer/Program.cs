return ReIdTrainer.Cli.TrainerCli.Run(args, Console.Out, Console.Error);
