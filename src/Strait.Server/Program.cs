Console.WriteLine("strait");
