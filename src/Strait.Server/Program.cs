using Strait.Server;

return await StraitCommand.RunAsync(args).ConfigureAwait(false);
